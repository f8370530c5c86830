package schematest

import (
	"path/filepath"
	"runtime"
	"testing"
)

// TestEverySchemaCompiles: each published schema compiles, and rejects a
// document that is not even an object.
func TestEverySchemaCompiles(t *testing.T) {
	t.Parallel()
	_, file, _, _ := runtime.Caller(0)
	names, err := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "schema", "*.schema.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no schemas in docs/schema: %v", err)
	}
	for _, p := range names {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := Compile(t, name).Validate("a string"); err == nil {
				t.Errorf("%s accepts a bare string", name)
			}
		})
	}
}
