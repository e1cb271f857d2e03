// Package store defines the chain's state behind a small interface: the
// block index, block data, the UTXO set, undo data, an address index and
// the tip.
//
// The engine in package consensus decides what changes; a store only
// applies each change as one atomic write, so a crash at any moment leaves
// the state of some block boundary, never half a block. This package holds
// the interface, its types and Memory, the in-memory implementation that
// tests and simulations of many nodes in one process use. It imports no
// database: the Badger implementation for a node's datadir lives in
// package badgerstore, so that consensus builds without Badger (as btcd's
// database/ffldb sits below its database interface).
package store
