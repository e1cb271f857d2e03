// Package explorer serves a devnet's web page: the block tree as every node
// sees it, live.
//
// The server subscribes to each node's push events (GET /events on its RPC
// address, Server-Sent Events with cookie auth) and keeps a small model of
// the recent block tree: every block any node holds, each node's tip, the
// blocks a node holds invalid, and per node its peers, mempool size and hash
// rate. A node's event only tells what changed; the server then asks that
// node's RPC for the details (a header it lacks, its chain tips, its peers),
// so nothing polls. Changes of the model are fanned out to the browsers with
// Server-Sent Events too: the page draws what it is sent and never polls.
//
// The page also acts: its fork playground calls the nodes' RPC through the
// server (mine blocks, cut a node off the network and heal it, invalidate
// and reconsider a block, send coins from the devnet wallet), and it replays
// a `node lab run` output directory (summary.json, trace.jsonl) with a time
// slider in the same view.
//
// The assets (web/) are embedded: the page needs no internet. The server
// listens on loopback only, because its controls spend the devnet wallet.
package explorer
