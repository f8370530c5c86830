package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/rivgate/rivgate/internal/yamlstrict"
)

// ByteSize is a size in bytes written as 1048576, "50MiB", "100MB", "64KiB".
type ByteSize int64

// String writes the size in the largest whole binary unit.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if b != 0 && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText writes the String form.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalYAML implements yaml.NodeUnmarshaler, so a bad value is
// reported with its line and column.
func (b *ByteSize) UnmarshalYAML(node ast.Node) error {
	return yamlstrict.UnmarshalScalar(node, func(s string) error {
		v, err := ParseByteSize(s)
		*b = v
		return err
	})
}

// ParseByteSize reads "50MiB", "100MB", "1GiB", "512KiB", "4096" (bytes).
// Decimal units (KB, MB, GB) are powers of 1000, binary ones (KiB, MiB,
// GiB) powers of 1024.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		n      int64
	}{
		{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
		{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			mult = u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (want e.g. 50MiB, 100MB or a number of bytes)", s)
	}
	return ByteSize(n * mult), nil
}
