// Package lab is the fork laboratory: many simulated nodes in one process
// under virtual time, each one this project's real node code (the consensus
// engine on an in-memory store, the protocol core, the mempool and the
// block templates), with only the network and the clock simulated.
//
// # A run
//
// A Config (SPEC section 7, JSON with unknown fields refused) names the
// nodes, the topology (full, ring, line, star, random-regular, edges), the
// one-way latency of every link (a constant, or a distribution drawn once
// per link from the seed), per-link overrides, bandwidth, partitions,
// churn, miners with their hash shares and strategies, and a transaction
// rate. New builds the nodes; Run drives one event queue ordered by
// (virtual time, sequence): messages arriving over links, block
// discoveries, deadline wake-ups, partitions, heals, joins and leaves,
// wallet transactions. Nothing else decides the order, and every random
// choice comes from seeded streams, so the same config and seed give the
// same summary.json and trace.jsonl bytes whatever GOMAXPROCS.
//
// Block discovery is a Poisson process of the whole network (rate: online
// hash share / block_interval_s); each discovery goes to a miner drawn by
// share. That miner's node builds the block the way `node run` does (its
// engine's tip and required bits, its mempool's template, miner.NewBlock)
// and solves real proof of work: the lab chain sits at the pow limit, so a
// nonce takes about two hashes, and every node's engine checks it.
//
// The lab is the protocol core's driver, as package p2p is on libp2p: it
// feeds the core events (peer connected or gone, message received, tick)
// with the virtual time and carries out its actions (send, publish = send
// to every connected neighbour but the sender, disconnect, ban). Messages
// travel as the core's own wire types; a link delays each by its latency
// plus size/bandwidth and delivers in order; a connection that drops loses
// what was in flight. A partition drops the connections across groups and
// a heal restores them; the cores then exchange status and sync headers
// first, as real nodes do. A node that joins late syncs the same way.
// When a core drops a peer, the node stops hearing it at once and the
// connection goes down a link latency later, when the peer hears of it.
//
// # Every core, the same bytes
//
// A message takes at least the shortest link latency to reach another
// node, so the events that concern one node each (a message arriving, a
// wake-up) within a window of that length cannot affect one another across
// nodes. Run steps such a window's nodes on every core (GOMAXPROCS
// workers), each node's events in queue order, and merges what the steps
// did (messages and wake-ups for later, trace lines, the lab's block
// records) in the order one loop would have produced it: the bytes are the
// same as stepping one event at a time, on one core or many (window.go,
// TestWindowsChangeNoByte). Events of the whole network (a block found, a
// partition, churn, a transaction) run alone, between windows.
//
// # Strategies
//
// A miner's strategy decides when its blocks are published: honest
// publishes at once (the core's SubmitBlock); selfish is Eyal and Sirer's
// SM1, which gives its blocks to its own engine without gossip and
// publishes them by the algorithm, reacting when its node hears public
// blocks (so latency applies to it). gamma is never drawn: it is the share
// of honest hash power whose node heard the pool's block first, decided by
// latency and topology and each engine's first-seen rule. A selfish node
// does not relay competing blocks and does not ban peers whose blocks lie
// far below its private tip. New strategies register in the strategies
// table.
//
// # Outputs
//
// Result.Summary is summary.json; the trace (trace.jsonl) holds mined,
// published, tip, reorg, connected, disconnected, partition, heal, join,
// leave and tx lines, and with Options.TraceMessages every message sent and
// received; WriteTreeSVG draws the block tree. Sweep runs one parameter over
// values in parallel and plots a figure with its analytic curve.
package lab
