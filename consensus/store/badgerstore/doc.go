// Package badgerstore implements store.Store in a Badger database
// directory: a node's datadir.
//
// encoding.go holds every byte layout the store writes, so the on-disk
// format can be read in one place; journal.go makes an update too big for
// one Badger transaction atomic all the same; check.go reads every value
// back at start-up and refuses a damaged store.
package badgerstore
