// Package reliability holds the reliability and security tests of issue 6,
// run against the built binaries (internal/e2e): SIGKILL at random moments
// while mining, syncing and reorging; damaged datadirs; bad genesis files;
// hostile RPC input; hostile libp2p peers (internal/hostile); and a soak of
// a 5-node devnet under transaction load with partitions, restarts and
// kills. docs/RELIABILITY.md reports what they inject and measure.
//
// The soak runs for DEVCHAIN_SOAK (a Go duration, default 60s in CI).
package reliability
