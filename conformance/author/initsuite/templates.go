package initsuite

import "text/template"

// suiteTemplate writes suite.yaml. Every value that comes from the user or
// the contract is quoted (q, list), so no text can break the YAML.
var suiteTemplate = template.Must(template.New("suite").Funcs(funcs).Parse(`# Consumer suite for {{range $i, $o := .Ops}}{{if $i}}, {{end}}{{$o.Name}} {{version $o}} ({{$o.Profile}}){{end}},
# written by ` + "`rivgate conform init`" + ` from the contract alone. Format:
# docs/conformance-suites.md; editor schema: docs/schema/suite.schema.json.
#
# What to change before the first run:
#   - the requirement texts, in your consumer's words, and their impact;
#   - defaults.consumer_timeout: your consumer's own limit for one call;
#   - in scenarios/*.yaml: likelihood (how often each situation happens to
#     your consumer), tags, matchers on what your consumer must send and,
#     without --trigger, a trigger that makes your consumer call;
#   - responses/*.xml: data your testers recognise (as written they
#     validate against the contract; check with rivgate contract validate).
# Then run it: rivgate conform run --suite THIS-DIR --out RUN-DIR ...
{{- range .Ops}}{{if .OtherProfiles}}
#
# {{.Name}} {{version .}} also has WSDLs for {{range $i, $p := .OtherProfiles}}{{if $i}}, {{end}}{{$p}}{{end}}: the
# harness checks calls against the {{.Profile}} one (RIV-PROF-01).
{{- end}}{{end}}
id: {{q .SuiteID}}
title: {{q .SuiteTitle}}
description: {{q .Description}}
# The contract directory, relative to this file.
contracts: {{q .ContractsRel}}
consumer:
  # The HSA-id in the consumer's client certificate (subject SERIALNUMBER).
  hsa_id: {{q .Consumer}}
  # require_original_consumer: true  # when the consumer acts for other systems: every call must carry x-rivta-original-serviceconsumer-hsaid
# The platform instance name VP faults carry ("VP007 [rivgate] ...").
instance: {{q .Instance}}
# XPath prefixes for matchers (soap, wsa and itr are built in).
namespaces:
{{- range .Namespaces}}
  {{index . 0}}: {{q (index . 1)}}
{{- end}}
defaults:
  # The logical address (HSA-id) the consumer calls.
  receiver: {{q .Receiver}}
  # How long each step waits for the consumer's call; a person making the
  # consumer call by hand may need longer.
  wait: {{.Wait}}
  # How long the run waits for the consumer's first call.
  start_timeout: {{.StartTimeout}}
  # The longest the consumer may wait for an answer: the no-answer steps
  # check that it gives up by then (RIV-BEH-02). Set your consumer's limit.
  consumer_timeout: {{.ConsumerTimeout}}
  # After a fault: how often and how fast the consumer may repeat the call
  # (RIV-BEH-01), counted for observe after each fault.
  retry:
    max_repeats: 1
    min_spacing: 1s
    observe: 2s
# checks:  # reorder, skip or re-weigh the built-in checks (RIV-XSD-01 ...)
#   - id: RIV-XSD-01
#     impact: 4
# The requirements the scenarios test. Impact is what a failure costs:
# 1 low .. 4 critical. Say them in your consumer's words.
requirements:
{{- range .Requirements}}
  - id: {{q .ID}}
    text: {{q .Text}}
    impact: {{.Impact}}
{{- end}}
# The scenarios, in the order they run (one file each).
scenarios:
{{- range .Scenarios}}
  - {{q .}}
{{- end}}
`))

// scenarioTemplate writes one scenario file.
var scenarioTemplate = template.Must(template.New("scenario").Funcs(funcs).Parse(`{{range .Head}}# {{.}}
{{end}}# Format: docs/conformance-suites.md ("Scenario files").
id: {{q .ID}}
title: {{q .Title}}
requirements: {{list .Requirements}}
# How often this happens to your consumer in production: 1 rare .. 4 almost certain.
likelihood: {{.Likelihood}}
# The risk-based subsets that run this scenario: smoke, core, regression.
tags: {{list .Tags}}
# The consumer function it exercises, as a risk profile names it.
functions: {{list .Functions}}
steps:
{{- $first := true}}
{{- range .Steps}}
  - id: {{q .ID}}
{{- if .Title}}
    title: {{q .Title}}
{{- end}}
{{- range .Comment}}
    # {{.}}
{{- end}}
{{- if .Manual}}
    # A person's verdict: record it with rivgate conform judge.
    manual: {{q .Manual}}
{{- end}}
{{- if .Expect}}
{{- if .Trigger}}
    # Makes the consumer call (with RIVGATE_URL, RIVGATE_SCENARIO and RIVGATE_STEP set).
    trigger: {command: {{list .Trigger}}}
{{- else if $first}}
    # Without a trigger the harness waits for the consumer's call; a trigger
    # makes the consumer call (RIVGATE_URL, RIVGATE_SCENARIO, RIVGATE_STEP set):
    # trigger: {command: ["./your-consumer", "fetch", "191212121212"]}
{{- end}}
{{- $first = false}}
    expect:
      contract: {{q .Contract}}
      operation: {{q .Operation}}
{{- if .Match}}
      # Rules on what the consumer must send (XPath on the envelope), e.g.:
      # match:
      #   - xpath: {{.Match.XPath}}
      #     {{.Match.Condition}}
      #     description: {{.Match.Description}}
{{- end}}
{{- if .Request}}
    # A valid request (producer mode sends it; it shows what a call looks like).
    request: {{q .Request}}
{{- end}}
    respond: {{.Respond}}
{{- end}}
{{- end}}
{{- range .Tail}}
  # {{.}}
{{- end}}
`))
