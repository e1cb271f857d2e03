// Package layering holds the test that keeps the project's layers apart:
// the consensus rules and the protocol core build without the network,
// libp2p or Badger, so that they stay pure state machines a simulation can
// drive (see layering_test.go).
package layering
