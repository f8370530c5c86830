package testutil

import (
	"os/exec"
	"testing"
)

// Zeep returns the interpreter python3-zeep is installed for
// (/usr/bin/python3: the python3 first on PATH may be another one), or
// skips the test naming the install step when it or zeep is missing.
func Zeep(t testing.TB) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import zeep").Run(); err != nil {
		t.Skipf("python3-zeep missing (%s -c 'import zeep': %v): apt-get install -y python3-zeep (scripts/test.sh installs it)", py, err)
	}
	return py
}
