// Package p2p is the libp2p driver of the node's protocol core (package
// protocol): it owns the libp2p host and translates between libp2p and the
// core's events and actions. It decides nothing about peers, blocks or
// transactions; the core does.
//
// Two channels carry the core's messages:
//
//   - Gossip (GossipSub): NewBlock and NewTx are published on two topics
//     named after the chain, with content-hash message ids. Topic
//     validators step the core with every message before it is relayed,
//     and read the verdict from its actions: relayed by the core (Publish
//     from that peer) is Accept, penalised is Reject, anything else
//     Ignore.
//   - Sync (a request/response stream protocol, one request per stream):
//     the core's GetStatus, GetHeaders and GetBlocks are run on streams and
//     their answers stepped back into the core; a peer's request is stepped
//     into the core and its answer written back. The bytes are protocol's
//     wire format in uvarint-length frames.
//
// A ticker gives the core the time (status polls and request deadlines).
// Peers come from --peer bootstrap addresses (redialled with backoff while
// the network is active), addnode, and mDNS. The connection gater refuses
// peers the core banned, by peer id, and every connection while
// SetNetworkActive(false). The sync responder's per-peer concurrency and
// rate limits are the driver's (a transport resource); a refused request
// is reported to the core as misbehaviour.
package p2p
