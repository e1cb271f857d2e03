// Package store keeps the chain's state behind a small interface: the block
// index, block data, the UTXO set, undo data, an address index and the tip.
//
// Two implementations share one contract: Memory, for tests and simulations
// of many nodes in one process, and Badger, for a node's datadir. The engine
// in package consensus decides what changes; a store only applies each change
// as one atomic write, so a crash at any moment leaves the state of some
// block boundary, never half a block.
//
// encoding.go holds every byte layout the Badger store writes, so the on-disk
// format can be read in one place.
package store
