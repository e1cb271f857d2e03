package main

import (
	"os"
	"strconv"
	"time"
)

// parentPIDEnv is how `node devnet` tells the nodes it starts its pid: a
// node whose parent is no longer that process (the devnet died and the
// node was handed to init) stops cleanly.
const parentPIDEnv = "DEVCHAIN_PARENT_PID"

// parentWatchInterval is how often a devnet node looks at its parent.
const parentWatchInterval = 500 * time.Millisecond

// watchParent returns a channel closed when the process named by
// parentPIDEnv stops being this process's parent; nil (never ready) when
// the variable is unset or not a pid. stop ends the watch.
func watchParent(stop <-chan struct{}) <-chan struct{} {
	want, err := strconv.Atoi(os.Getenv(parentPIDEnv))
	if err != nil || want <= 1 {
		return nil
	}
	gone := make(chan struct{})
	go func() {
		tick := time.NewTicker(parentWatchInterval)
		defer tick.Stop()
		for os.Getppid() == want {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
		close(gone)
	}()
	return gone
}
