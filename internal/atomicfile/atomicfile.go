// Package atomicfile replaces files whole: a reader, a crash or a power
// cut sees the old file or the new one, never a part of either.
//
// The promise, the same for every write: the data goes to a temporary file
// in the target's directory (named "."+base+".tmp…", so directory walks
// that skip dot files pass it by), which gets the exact permission asked
// for (not masked by the umask), is fsynced, closed and renamed over the
// target; then the directory is fsynced so the rename itself survives a
// power cut. A failure at any step removes the temporary file and leaves
// the old target as it was. A process killed before the rename can leave
// its temporary file behind; the target is still whole.
package atomicfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data, as os.WriteFile does but atomically
// and durably; perm is set exactly.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write replaces path with what write writes, for content made as a
// stream (a zip archive, an encoder); perm is set exactly. An error from
// write is returned as it is, and path is left untouched.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		if err != nil && !renamed {
			_ = tmp.Close() // may be closed already; err is the error that counts
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. The new file is in place even
// when this fails; the error says its survival of a power cut is not sure.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("sync directory: %w", err)
	}
	return d.Close()
}
