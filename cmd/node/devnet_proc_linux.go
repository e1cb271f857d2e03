package main

import "syscall"

// childProcAttr puts a devnet node in its own process group (Ctrl-C reaches
// only the devnet, which stops the nodes in order) and has the kernel send
// it SIGTERM when the devnet dies, by kill -9 too.
//
// Linux sends the parent-death signal when the thread that started the
// child exits, which the Go runtime does only for goroutines that lock a
// thread and exit; the node's own watch of its parent (watchParent) covers
// that case and other systems.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
