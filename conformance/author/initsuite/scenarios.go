package initsuite

import (
	"fmt"
	"strings"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// keepContext is how every manual step asks about the user's context.
const keepContext = "and kept the user's context: the patient (or case) still selected, what the user entered still there, no data from an earlier answer shown as current"

// platformTimeoutDetail fills VP009's detail as the platform writes it when
// the producer did not answer within the platform's own timeout.
const platformTimeoutDetail = "https://producer.example/%s. Exception Caught by Camel when contacting producer. Exception information: (TimeoutException: Timeout when waiting on response from producer.)"

// scenarios are the operation's scenario files, in run order.
func (w *writer) scenarios(o *operation) []scenarioData {
	call := func(id, title, respond string, comment ...string) stepData {
		return stepData{ID: id, Title: title, Expect: true, Contract: o.Namespace, Operation: o.Name,
			Trigger: w.opt.Trigger, Respond: respond, Comment: comment}
	}
	manual := func(id, text string) stepData { return stepData{ID: id, Manual: text} }
	full := "{file: " + o.fullFile() + "}"
	recovers := call("recovers", "The next call is answered normally: the consumer works again", full,
		"After a fault the consumer must keep working (RIV-BEH-03): this call must come.")
	file := func(n int, slug string) string { return fmt.Sprintf("scenarios/%s-%02d-%s.yaml", o.key, n, slug) }
	id := func(n int) string { return fmt.Sprintf("%s-S%02d", o.prefix, n) }

	happy := call("call", "The consumer calls "+o.Name+" and gets a full answer", full,
		"The answer fills every optional element and has two of every repeating one,",
		"with values that satisfy the schema: replace it with data your testers know.")
	happy.Match, happy.Request = o.match, o.requestFile()
	out := []scenarioData{{
		File: file(1, "happy"), ID: id(1), Title: o.title() + ": the consumer calls and gets a full answer",
		Head: []string{
			"The happy path: the consumer asks, the producer answers with everything the",
			"contract allows. Add matchers on what the consumer must send (example below).",
		},
		Requirements: []string{o.reqCall()}, Likelihood: 4,
		Tags: []string{scenario.TagSmoke, scenario.TagCore, scenario.TagRegression}, Functions: []string{o.function},
		Steps: []stepData{happy},
		Tail: []string{
			"A person can judge what the user sees; uncomment to ask for a verdict:",
			"- id: shows-answer",
			"  manual: Check that the consumer shows every entry of the answer, with the details your users need.",
		},
	}}
	n := 2
	if o.least != nil {
		out = append(out, scenarioData{
			File: file(n, "least-answer"), ID: id(n), Title: o.title() + ": an answer with only what the contract requires (nothing found)",
			Head:         []string{"The producer answers with the least the schema allows: no entries, only the required parts."},
			Requirements: []string{o.reqLeast()}, Likelihood: 3,
			Tags: []string{scenario.TagCore, scenario.TagRegression}, Functions: []string{o.function},
			Steps: []stepData{
				call("call", "The producer answers with only what the contract requires", "{file: "+o.leastFile()+"}"),
				manual("shows-nothing-found", "Check that the consumer shows that there is nothing to show (not an error) and no entries left from an earlier answer."),
			},
		})
		n++
	}
	out = append(out, scenarioData{
		File: file(n, "producer-fault"), ID: id(n), Title: o.title() + ": the producer answers with a SOAP fault, then recovers",
		Head: []string{
			"The producer fails with a SOAP fault (HTTP 500). Many RIV-TA contracts report",
			"logical errors in the answer's result element instead: add a step answering",
			"such a file if yours does.",
		},
		Requirements: []string{reqProducerFault}, Likelihood: 2,
		Tags: []string{scenario.TagCore, scenario.TagRegression}, Functions: []string{fnErrors},
		Steps: []stepData{
			call("producer-fault", "The producer answers with a SOAP fault",
				fmt.Sprintf("{soap_fault: {code: soap:Server, string: %s}}", quote("The source system could not answer ("+o.Name+"): internal error")),
				"Change the faultstring to one your producer really sends."),
			manual("shows-producer-fault", "Check that the consumer showed the user an understandable error for the producer's fault (no stack trace, no empty list as if there were no data) "+keepContext+"."),
			recovers,
		},
	})
	n++
	out = append(out, scenarioData{
		File: file(n, "platform-faults"), ID: id(n), Title: o.title() + ": the platform's faults VP004, VP007 and VP009 (error and timeout)",
		Head: []string{
			"The faults the national platform answers instead of the producer, with its own",
			"texts (\"VP004 [instance] ...\"). To add others (VP002-VP015), copy a step and",
			"its manual step and change the code.",
		},
		Requirements: []string{reqPlatformFault}, Likelihood: 2,
		Tags: []string{scenario.TagCore, scenario.TagRegression}, Functions: []string{fnErrors},
		Steps: []stepData{
			call("vp004", "VP004: no route to the receiver for this contract", "{vp_fault: VP004}",
				"A receiver the platform has no route to (a wrong or unconfigured logical address)."),
			manual("shows-vp004", "Check that the consumer told the user the information cannot be fetched from this source (VP004) "+keepContext+"."),
			call("vp007", "VP007: the consumer is not authorised", "{vp_fault: VP007}",
				"The consumer's HSA-id may not call this receiver through this contract."),
			manual("shows-vp007", "Check that the consumer told the user the system may not fetch this information (VP007) "+keepContext+"."),
			call("vp009", "VP009: the platform cannot reach the producer", "{vp_fault: VP009}"),
			manual("shows-vp009", "Check that the consumer told the user the source system cannot be reached just now (VP009) "+keepContext+"."),
			call("vp009-timeout", "VP009 after the producer did not answer in time", fmt.Sprintf("{vp_fault: VP009, delay: %s, detail: %s}", platformTimeoutDelay, quote(fmt.Sprintf(platformTimeoutDetail, o.Name))),
				"The platform waits for the producer up to its own timeout (often 29s in",
				"production), then answers VP009. The delay must stay below defaults.consumer_timeout."),
			manual("shows-vp009-timeout", "Check that the consumer waited for the platform's answer and then told the user the source system did not answer in time "+keepContext+"."),
			recovers,
		},
	})
	n++
	out = append(out, scenarioData{
		File: file(n, "slow-and-no-answer"), ID: id(n), Title: o.title() + ": a slow producer, then one that never answers",
		Head: []string{
			"A slow answer must still be shown; a missing one must be given up on within",
			"defaults.consumer_timeout (RIV-BEH-02).",
		},
		Requirements: []string{reqNetwork}, Likelihood: 3,
		Tags: []string{scenario.TagCore, scenario.TagRegression}, Functions: []string{fnNetwork},
		Steps: []stepData{
			call("slow", "The full answer comes after "+slowDelay, fmt.Sprintf("{file: %s, delay: %s}", o.fullFile(), slowDelay)),
			call("no-answer", "The producer never answers: the consumer must give up by itself", "{timeout: true}"),
			manual("shows-no-answer", "Check that the consumer gave up waiting by itself, told the user the answer did not come in time "+keepContext+"."),
			recovers,
		},
	})
	n++
	conn := func(kind, title string, body bool) stepData {
		respond := "{connection: " + kind + "}"
		if body {
			respond = fmt.Sprintf("{connection: %s, file: %s}", kind, o.fullFile())
		}
		return call(strings.ReplaceAll(kind, "_", "-"), title, respond)
	}
	out = append(out, scenarioData{
		File: file(n, "connection-faults"), ID: id(n), Title: o.title() + ": broken connections and broken answers",
		Head:         []string{"Each step breaks the connection or the answer in its own way (docs/conformance-suites.md, Answers)."},
		Requirements: []string{reqNetwork}, Likelihood: 2,
		Tags: []string{scenario.TagRegression}, Functions: []string{fnNetwork},
		Steps: []stepData{
			conn(scenario.ConnReset, "The connection is reset before any answer", false),
			conn(scenario.ConnEmptyReply, "The connection is closed without an answer", false),
			conn(scenario.ConnMalformedXML, "The answer is not well-formed XML", true),
			conn(scenario.ConnTruncated, "The answer stops halfway", true),
			conn(scenario.ConnWrongContentType, "The answer comes as text/html", true),
			manual("shows-connection-faults", "Check that after each broken connection or answer the consumer showed an understandable error, showed none of the broken answer's data "+keepContext+"."),
			recovers,
		},
	})
	return out
}
