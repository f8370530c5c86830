package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guardReader serves a message and panics when asked for anything that
// would take its reader past limit bytes, or when asked for more after it
// has already handed out the end of the body child's start tag (tagEnd).
type guardReader struct {
	msg    []byte
	n      int
	tagEnd int
	limit  int
	reads  int
}

func (r *guardReader) Read(p []byte) (int, error) {
	r.reads++
	if r.n >= r.tagEnd {
		panic(fmt.Sprintf("Read called again after the body child's start tag was delivered (%d bytes served, tag ends at %d)", r.n, r.tagEnd))
	}
	if r.n+len(p) > r.limit {
		panic(fmt.Sprintf("Read asked for %d bytes at offset %d: beyond the bound %d (tag ends at %d)", len(p), r.n, r.limit, r.tagEnd))
	}
	if r.n >= len(r.msg) {
		return 0, io.EOF
	}
	n := copy(p, r.msg[r.n:])
	r.n += n
	return n, nil
}

// endlessBody is a body that never ends: it stands for a client still
// uploading. Reading it to the end would hang the test.
func endlessBody(prefix []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(prefix), &repeatReader{chunk: []byte("<x:row>0123456789</x:row>\n")})
}

type repeatReader struct {
	chunk []byte
	off   int
	total int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	r.total += len(p)
	if r.total > 64<<20 {
		panic("endless body read past 64 MiB: Sniff does not stop")
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.chunk[r.off:])
		n += c
		r.off = (r.off + c) % len(r.chunk)
	}
	return n, nil
}

// bigRequest is a 2.0 request whose body element holds about size bytes.
func bigRequest(size int) []byte {
	head := env(`<a:To xmlns:a="`+wsa+`">SE2321000016-A1</a:To>`, "")
	head = strings.TrimSuffix(head, `</soapenv:Body></soapenv:Envelope>`)
	var b bytes.Buffer
	b.WriteString(head)
	b.WriteString(`<x:Store xmlns:x="urn:riv:test:StoreResponder:1">`)
	row := "<x:row>0123456789abcdefghijklmnopqrstuvwxyzÅÄÖ</x:row>\n"
	for b.Len() < size {
		b.WriteString(row)
	}
	b.WriteString(`</x:Store></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

func TestSniffReadsNoFurtherThanTheBodyChild(t *testing.T) {
	big := bigRequest(10 << 20)
	tests := []struct {
		name string
		msg  []byte
	}{
		{"2 KB request", bigRequest(2 << 10)},
		{"10 MB body", big},
		{"VP sample with license comment", vpTestfile(t, "GetSubjectOfCareRequest21.xml")},
		{"300 KB header", []byte(env(`<h:Big xmlns:h="urn:h">`+strings.Repeat("y", 300_000)+`</h:Big><a:To xmlns:a="`+wsa+`">SE1</a:To>`, pingBody+strings.Repeat(" ", 1<<20)))},
		{"UTF-16 body", toUTF16(string(bigRequest(200<<10)), false, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, err := SniffBytes(tt.msg)
			require.NoError(t, err)
			// The body child's start tag ends at the first '>' after BodyStart.
			tagEnd := int(info.BodyStart) + bytes.IndexByte(tt.msg[info.BodyStart:], '>') + 1
			if info.Charset == "UTF-16LE" {
				tagEnd++ // the '>' is a two-byte unit
			}
			r := &guardReader{msg: tt.msg, tagEnd: tagEnd, limit: tagEnd + readChunk}
			sInfo, head, err := Sniff(r, Options{})
			require.NoError(t, err)
			assert.Equal(t, info, sInfo)
			assert.GreaterOrEqual(t, len(head), tagEnd, "head holds the whole start tag")
			assert.LessOrEqual(t, len(head), tagEnd+readChunk, "read at most %d bytes past the tag", readChunk)

			// The caller forwards head and then the rest: byte for byte the message.
			r2 := &guardReader{msg: tt.msg, tagEnd: len(tt.msg) + 1, limit: 1 << 40} // no bound: io.ReadAll reads the rest
			_, head2, err := Sniff(r2, Options{})
			require.NoError(t, err)
			all, err := io.ReadAll(io.MultiReader(bytes.NewReader(head2), r2))
			require.NoError(t, err)
			assert.True(t, bytes.Equal(tt.msg, all), "forwarded bytes equal the message")
		})
	}

	t.Run("endless body", func(t *testing.T) {
		t.Parallel()
		prefix := big[:bytes.Index(big, []byte("<x:row>"))]
		info, head, err := Sniff(endlessBody(prefix), Options{})
		require.NoError(t, err)
		assert.Equal(t, QName{"urn:riv:test:StoreResponder:1", "Store"}, info.Body)
		assert.Less(t, len(head), len(prefix)+readChunk+1)
	})
}

var errBoom = errors.New("connection reset by peer")

// failAfter returns n bytes of msg, then err.
type failAfter struct {
	msg []byte
	n   int
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, r.err
	}
	k := copy(p, r.msg[:min(r.n, len(r.msg))])
	r.msg, r.n = r.msg[k:], r.n-k
	return k, nil
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestSniffReaderFailures(t *testing.T) {
	msg := vpTestfile(t, "Rivta21Request.xml")
	tests := []struct {
		name string
		r    io.Reader
		want error
	}{
		{"reset in the header", &failAfter{msg: msg, n: 1300, err: errBoom}, errBoom},
		{"timeout on the second read", iotest.TimeoutReader(iotest.OneByteReader(bytes.NewReader(msg))), iotest.ErrTimeout},
		{"reader that never returns data", zeroReader{}, io.ErrNoProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			info, _, err := Sniff(tt.r, Options{})
			assert.Nil(t, info)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), "read SOAP message")
			var se *SyntaxError
			assert.False(t, errors.As(err, &se), "a read error is not a syntax error")
		})
	}

	t.Run("EOF together with the last bytes", func(t *testing.T) {
		t.Parallel()
		info, _, err := Sniff(iotest.DataErrReader(bytes.NewReader(msg)), Options{})
		require.NoError(t, err)
		assert.Equal(t, "RIVTA21REQUEST", info.Receiver)
	})
	t.Run("half reads", func(t *testing.T) {
		t.Parallel()
		info, _, err := Sniff(iotest.HalfReader(bytes.NewReader(msg)), Options{})
		require.NoError(t, err)
		assert.Equal(t, "RIVTA21REQUEST", info.Receiver)
	})
}
