// Package deps pins the modules the node, p2p and wallet packages use while
// they are being written; it is removed once they import them directly.
package deps

import (
	_ "github.com/btcsuite/btcd/btcutil/hdkeychain"
	_ "github.com/cockroachdb/datadriven"
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/libp2p/go-libp2p"
	_ "github.com/libp2p/go-libp2p-pubsub"
	_ "github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "golang.org/x/crypto/scrypt"
	_ "golang.org/x/term"
)
