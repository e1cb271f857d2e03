package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A devnet's nodes must not outlive it: a node left running holds its
// datadir (Badger's lock) and its ports, mines on, and makes the next
// `node devnet` fail. Three layers see to it:
//   - the devnet stops its nodes on SIGINT, SIGTERM and SIGHUP (a closed
//     terminal);
//   - on Linux each node gets SIGTERM when the devnet dies by any means,
//     kill -9 included (the parent-death signal, childProcAttr);
//   - each node watches its parent itself (parentPIDEnv, watchParent) and
//     stops when the devnet is gone, whatever the platform or the thread
//     that started it.
//
// And a devnet that still finds a node of an earlier run on one of its
// datadirs (one that was still closing, say) stops it cleanly before
// starting its own, or says which process holds it and how to stop it.

// devnetLockFile is held (flock) by the running `node devnet` of a
// directory, with its pid inside.
const devnetLockFile = "devnet.lock"

// lockDevnet makes sure one `node devnet` at a time runs a directory: a
// second one is told which process runs it.
func lockDevnet(dir string) (release func(), err error) {
	path := filepath.Join(dir, devnetLockFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		pid := readPID(path)
		if errors.Is(err, syscall.EWOULDBLOCK) && pid > 0 {
			return nil, fmt.Errorf("%s is run by another node devnet (process %d): stop it with Ctrl-C in its terminal, or kill %d", dir, pid, pid)
		}
		return nil, fmt.Errorf("%s is run by another node devnet: %w", dir, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return func() {
		os.Remove(path)
		f.Close()
	}, nil
}

// chainLockHolder reports whether a process holds the Badger store of
// datadir (a running node), and its pid as Badger recorded it.
func chainLockHolder(datadir string) (pid int, held bool) {
	dir := filepath.Join(datadir, "chain")
	f, err := os.Open(dir)
	if err != nil {
		return 0, false // no store yet
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return readPID(filepath.Join(dir, "LOCK")), true
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return 0, false
}

func readPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// commandLine returns a process's command line ("" when unknown).
func commandLine(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
}

// leftoverStopTimeout is how long a leftover node gets to close its store
// after SIGTERM.
const leftoverStopTimeout = 30 * time.Second

// stopLeftover makes sure no process holds a node's datadir before the
// devnet starts the node: a `node run` of that datadir (a node of an
// earlier devnet) is stopped cleanly with SIGTERM; anything else is
// reported with its pid and the command that stops it.
func (d *devnet) stopLeftover(name, datadir string) error {
	pid, held := chainLockHolder(datadir)
	if !held {
		return nil
	}
	// The lock says the process runs this datadir's store; the command line
	// says it is a node (`node run --datadir ...`), safe to stop with SIGTERM.
	cmdline := commandLine(pid)
	ours := pid > 0 && strings.Contains(cmdline, " run ") && strings.Contains(cmdline, "--datadir")
	if !ours {
		who := "another process"
		if pid > 0 {
			who = fmt.Sprintf("process %d (%s)", pid, cmdline)
		}
		how := "stop it"
		if pid > 0 {
			how = fmt.Sprintf("stop it with: kill %d", pid)
		}
		return fmt.Errorf("%s: %s holds %s: %s, then run node devnet again", name, who, filepath.Join(datadir, "chain"), how)
	}
	fmt.Fprintf(d.stderr, "node devnet: %s: a node of an earlier run (process %d) still holds %s; stopping it\n", name, pid, datadir)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%s: stop process %d: %w (stop it with: kill %d)", name, pid, err, pid)
	}
	deadline := time.Now().Add(leftoverStopTimeout)
	for {
		if _, held := chainLockHolder(datadir); !held {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: process %d still holds %s %s after SIGTERM: stop it with: kill -9 %d", name, pid, datadir, leftoverStopTimeout, pid)
		}
		time.Sleep(100 * time.Millisecond) // the other process closes its store: nothing to wait on but the lock
	}
}

// startFailure returns the error a node that exited at start wrote last to
// its log ("node run: ..."), so that the devnet can say why: a port taken
// by another process, say.
func startFailure(logPath string) string {
	data, err := os.ReadFile(logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-20; i-- {
		if strings.HasPrefix(lines[i], "node run: ") {
			return strings.TrimPrefix(lines[i], "node run: ")
		}
	}
	return ""
}
