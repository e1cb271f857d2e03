package p2p

import (
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/devchain/devchain/protocol"
)

// The core names a peer by the text form of its libp2p id.

func toCore(p peer.ID) protocol.PeerID { return protocol.PeerID(p.String()) }

func fromCore(id protocol.PeerID) peer.ID {
	p, err := peer.Decode(string(id))
	if err != nil {
		return ""
	}
	return p
}
