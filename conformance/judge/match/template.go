package match

import (
	"errors"
	"fmt"
	"strings"

	"github.com/antchfx/xpath"
	"github.com/beevik/etree"

	"github.com/rivgate/rivgate/conformance/suite/scenario"
)

// Fill renders a response template from the request document doc: each
// placeholder's XPath is evaluated on the envelope with the prefixes in ns,
// and its value (the first node's string value, or the function's result)
// is written XML-escaped. A placeholder that finds nothing, where a matcher
// with present: true would fail (an empty node set, an empty string, NaN,
// false), is an error naming every such placeholder: an answer never
// carries a silently empty field.
func Fill(t *scenario.Template, doc *etree.Document, ns map[string]string) ([]byte, error) {
	if doc == nil {
		return nil, fmt.Errorf("template %s: the request is not an XML document, so its %d placeholder(s) cannot be filled", t.Name, len(t.Placeholders))
	}
	values := make([]string, len(t.Placeholders))
	var missing []string
	var errs []error
	for i, ph := range t.Placeholders {
		expr, err := xpath.CompileWithNS(ph.XPath, ns)
		if err != nil {
			errs = append(errs, fmt.Errorf("template %s: placeholder %s: bad XPath: %w", t.Name, ph, err))
			continue
		}
		found, v, err := evaluate(expr, newNavigator(doc, &doc.Element))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("template %s: placeholder %s: %w", t.Name, ph, err))
		case !found:
			missing = append(missing, ph.String())
		}
		values[i] = v
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("template %s: placeholder(s) %s found nothing in the request", t.Name, strings.Join(missing, ", ")))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t.Render(values)
}
