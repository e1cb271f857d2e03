// Package p2p connects a node to its peers over libp2p.
//
// Two channels carry the chain between nodes:
//
//   - Gossip (GossipSub): new blocks and transactions are published on two
//     topics named after the chain, with content-hash message ids. Topic
//     validators hand every message to the node before it is relayed: valid
//     data is relayed, duplicates and what cannot be judged yet (a block
//     whose parent is unknown, a conflicting transaction) are ignored, and
//     invalid data is rejected and counts against the peer that sent it.
//   - Sync (a request/response stream protocol): on connect and then every
//     StatusInterval, a node asks each peer for its best tip and total work;
//     when a peer has more work, the node fetches the headers after its own
//     chain (block locator), then the blocks it lacks, in batches. Gossip is
//     fast but lossy (messages published before the mesh forms or during a
//     partition are gone for good); sync is what guarantees that every node
//     ends on the chain with the most work.
//
// Peers come from --peer bootstrap addresses (redialled with backoff while
// the network is active), addnode, and mDNS. A peer whose misbehaviour
// score reaches BanScore is disconnected and refused by the connection
// gater for BanDuration. SetNetworkActive(false) drops every peer and
// refuses and makes no connections until it is turned back on.
//
// The package never touches consensus state itself: everything goes through
// the Chain interface, which the node implements under its own lock.
package p2p
