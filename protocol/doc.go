// Package protocol is the node's peer protocol as a pure state machine:
// every decision a node makes about its peers, blocks and transactions,
// with no goroutines, no clock, no network and no randomness but the one it
// is given. It is driven the way etcd-io/raft is: the caller feeds events to
// Step (a peer connected or went away, a message arrived, time passed) or
// hands it local data (SubmitBlock, SubmitTx), then drains the actions the
// core decided on with Ready and carries them out (send this message to that
// peer, publish this block, disconnect or ban a peer, tell the miner the tip
// moved). Time is an argument of every call; the only randomness comes from
// Config.Rand. The same events in the same order give the same actions.
//
// The core owns the consensus engine and the mempool and calls them
// synchronously: a Core and its engine are used by one goroutine at a time
// (the node holds a mutex; the fork laboratory runs each simulated node on
// its own event queue). One step hands the engine at most StepTxBudget
// synced transactions; while Busy, the driver steps it again (a driver
// that does not tick asks NextDeadline when to wake it). Two drivers exist: package p2p carries the messages
// over libp2p (GossipSub topics for NewBlock and NewTx, one stream per
// request for the rest, the wire format of wire.go), and package lab carries
// them over a simulated network in virtual time.
//
// # The story of a peer
//
// When a peer connects, the core asks for its Status (genesis, tip, height,
// cumulative work), and asks every peer again each StatusInterval. A peer
// on another genesis is banned.
//
// Sync is headers first. When a peer claims more work than the tip, the
// core asks it for the headers after its block locator, batch after batch,
// and adds up the work they carry before it downloads a single block. A
// claim the headers do not bear out (the peer's chain ends with less work
// than it said) is penalised and nothing is downloaded; headers that do not
// link, start nowhere or lack proof of work get the peer banned. When the
// header chain has more work than the tip, its missing blocks are fetched
// in batches of BlocksPerBatch, spread over the syncing peer and every peer
// that announced at least as much work, at most MaxBatchesInFlight at once,
// and handed to the engine in chain order.
//
// Gossip is judged before it is relayed. A block is relayed (Publish with
// From set) only when the engine accepted it. A block from a peer whose
// parent is known but whose chain does not bring at least the tip's work
// was not asked for and is neither stored nor relayed; when it lies more
// than StaleDepth blocks of work below the tip its sender is penalised. So
// one peer can make the node store only blocks it mined at the tip's
// difficulty, relay nothing else, and hold in memory at most the engine's
// orphan pool (MaxOrphanBlockBytes each, consensus.Config.MaxOrphans in all,
// shared by every peer). A block whose parent is unknown makes the core ask
// that peer for the headers leading to it, then for the parent.
//
// Every request has a deadline (Config.StatusTimeout, HeadersTimeout,
// BlocksTimeout: a driver with slow links lengthens them). A peer that
// misses one is dropped and not
// asked anything again for a backoff that doubles while it keeps stalling
// (MinStallBackoff up to MaxStallBackoff); a batch it held is asked of the
// syncing peer instead.
//
// Misbehaviour adds points to a peer's score; at BanScore the peer is
// banned for BanDuration and disconnected. Scores, bans and stall backoffs
// are kept by peer id in a table of at most MaxPeerRecords entries, apart
// from the connected peers, so they survive reconnects.
//
// Transactions from peers go to the mempool; accepted ones are relayed
// together with the orphans they unlocked, invalid ones cost their sender
// points. Whenever the active chain moves, the mempool is told and the core
// emits TipChanged: the miner needs a new template.
//
// A withholding miner (selfish mining) gives its blocks with AcceptBlock:
// they are private, neither named in its Status nor served, until Announce
// publishes them.
package protocol
