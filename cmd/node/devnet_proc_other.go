//go:build !linux

package main

import "syscall"

// childProcAttr puts a devnet node in its own process group (Ctrl-C reaches
// only the devnet, which stops the nodes in order). Without Linux's
// parent-death signal, the node's watch of its parent (watchParent) stops
// it when the devnet dies.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
