package benchkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime/stime in /proc/<pid>/stat. Linux fixes
// USER_HZ at 100 for user space on every architecture we run on.
const clockTick = 10 * time.Millisecond

// ProcStat is what /proc says about one process.
type ProcStat struct {
	PID     int
	PPID    int
	CPU     time.Duration // user + system time so far
	PeakRSS int64         // VmHWM in bytes
	RSS     int64         // VmRSS in bytes
}

// ReadProc reads /proc/<pid>/stat and /proc/<pid>/status.
func ReadProc(pid int) (ProcStat, error) {
	st := ProcStat{PID: pid}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, fmt.Errorf("read /proc/%d/stat: %w", pid, err)
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields we need come after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return st, fmt.Errorf("/proc/%d/stat: no ')' in %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return st, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	if st.PPID, err = strconv.Atoi(f[1]); err != nil {
		return st, fmt.Errorf("/proc/%d/stat: ppid: %w", pid, err)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	stt, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return st, fmt.Errorf("/proc/%d/stat: utime/stime: %q %q", pid, f[11], f[12])
	}
	st.CPU = time.Duration(ut+stt) * clockTick
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, fmt.Errorf("read /proc/%d/status: %w", pid, err)
	}
	for _, line := range strings.Split(string(s), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmHWM":
			st.PeakRSS = parseKB(v)
		case "VmRSS":
			st.RSS = parseKB(v)
		}
	}
	return st, nil
}

func parseKB(v string) int64 {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(f[0], 10, 64)
	return n << 10
}

// Children lists the processes whose parent is pid (nginx workers).
func Children(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := ReadProc(child)
		if err == nil && st.PPID == pid {
			out = append(out, child)
		}
	}
	return out
}

// Group is a server made of one or more processes (nginx: master and
// workers); its CPU and RSS are the sums over them.
type Group struct {
	Name string
	PIDs []int
}

// GroupStat is the sum over a Group.
type GroupStat struct {
	CPU     time.Duration
	PeakRSS int64 // sum of VmHWM over the processes
	RSS     int64
}

// Read sums the group's processes; a process that has gone is an error.
func (g Group) Read() (GroupStat, error) {
	var out GroupStat
	for _, pid := range g.PIDs {
		st, err := ReadProc(pid)
		if err != nil {
			return out, fmt.Errorf("%s: %w", g.Name, err)
		}
		out.CPU += st.CPU
		out.PeakRSS += st.PeakRSS
		out.RSS += st.RSS
	}
	return out, nil
}

// ProcName is the command name of pid ("" if unknown).
func ProcName(pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// ResetPeakRSS sets VmHWM back to the current RSS (Linux clear_refs "5"),
// so a later VmHWM covers only what happened after the reset.
func ResetPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak RSS of %d: %w", pid, err)
	}
	return nil
}
