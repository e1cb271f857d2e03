package rpcserver

import (
	"fmt"
	"slices"
	"strings"
)

// methodSpec describes one RPC method as Bitcoin Core's help does: its
// arguments with Core's names (for named parameters and arity checks), a
// category and a one-line summary (for `help`).
type methodSpec struct {
	name     string
	category string
	summary  string
	args     []argSpec
	handler  rpcMethod
}

// argSpec is one argument. Aliases are older names Core still accepts
// (getblock's "verbose" for "verbosity").
type argSpec struct {
	name     string
	kind     string // Core's help type: string, numeric, boolean, json array, json object, string or array
	required bool
	doc      string
	aliases  []string
}

func arg(name, kind, doc string) argSpec {
	return argSpec{name: name, kind: kind, required: true, doc: doc}
}
func opt(name, kind, doc string, aliases ...string) argSpec {
	return argSpec{name: name, kind: kind, doc: doc, aliases: aliases}
}

// minArgs is the number of required arguments (they come first).
func (m *methodSpec) minArgs() int {
	n := 0
	for _, a := range m.args {
		if a.required {
			n++
		}
	}
	return n
}

// argIndex finds a named parameter by its name or an alias.
func (m *methodSpec) argIndex(name string) int {
	return slices.IndexFunc(m.args, func(a argSpec) bool { return a.name == name || slices.Contains(a.aliases, name) })
}

// usageLine is the first line of Core's help: the method and its
// arguments, strings quoted, optional ones in parentheses.
func (m *methodSpec) usageLine() string {
	var b strings.Builder
	b.WriteString(m.name)
	open := false
	for _, a := range m.args {
		if !a.required && !open {
			b.WriteString(" (")
			open = true
		}
		b.WriteByte(' ')
		if a.kind == "string" {
			b.WriteString(`"` + a.name + `"`)
		} else {
			b.WriteString(a.name)
		}
	}
	if open {
		b.WriteString(" )")
	}
	return b.String()
}

// usage is the text of `help METHOD`, also the message of a call with the
// wrong number of parameters (as Core answers it, with code -1).
func (m *methodSpec) usage() string {
	var b strings.Builder
	b.WriteString(m.usageLine() + "\n\n" + m.summary + "\n")
	if len(m.args) > 0 {
		b.WriteString("\nArguments:\n")
		for i, a := range m.args {
			need := "optional"
			if a.required {
				need = "required"
			}
			fmt.Fprintf(&b, "%d. %s    (%s, %s) %s\n", i+1, a.name, a.kind, need, a.doc)
		}
	}
	return b.String()
}

// Categories of `help`, in Core's order.
var helpCategories = []string{"Blockchain", "Control", "Mining", "Network", "Rawtransactions", "Util", "Devchain"}

// methodSpecs lists every RPC method with Core's argument names.
func (s *Server) methodSpecs() []*methodSpec {
	const hash = "string"
	return []*methodSpec{
		{name: "getblockchaininfo", category: "Blockchain", summary: "Returns an object containing various state info regarding blockchain processing.", handler: s.getBlockchainInfo},
		{name: "getblockcount", category: "Blockchain", summary: "Returns the height of the most-work fully-validated chain.", handler: s.getBlockCount},
		{name: "getbestblockhash", category: "Blockchain", summary: "Returns the hash of the best (tip) block in the most-work fully-validated chain.", handler: s.getBestBlockHash},
		{name: "getdifficulty", category: "Blockchain", summary: "Returns the proof-of-work difficulty as a multiple of the minimum difficulty (the chain's pow limit).", handler: s.getDifficulty},
		{name: "getblockhash", category: "Blockchain", summary: "Returns hash of block in best-block-chain at height provided.",
			args: []argSpec{arg("height", "numeric", "The height index")}, handler: s.getBlockHash},
		{name: "getblock", category: "Blockchain", summary: "If verbosity is 0, returns the serialized block as hex. If 1, an object with information about the block. If 2, the same with each transaction decoded.",
			args: []argSpec{arg("blockhash", hash, "The block hash"), opt("verbosity", "numeric", "0 for hex-encoded data, 1 for a JSON object, 2 for JSON object with transaction data (default=1)", "verbose")}, handler: s.getBlock},
		{name: "getblockheader", category: "Blockchain", summary: "If verbose is false, returns the serialized 80-byte header as hex. If true, an object with information about the header.",
			args: []argSpec{arg("blockhash", hash, "The block hash"), opt("verbose", "boolean", "true for a JSON object, false for the hex-encoded data (default=true)")}, handler: s.getBlockHeader},
		{name: "getchaintips", category: "Blockchain", summary: "Return information about all known tips in the block tree, including the main chain as well as orphaned branches.", handler: s.getChainTips},
		{name: "gettxout", category: "Blockchain", summary: "Returns details about an unspent transaction output.",
			args: []argSpec{arg("txid", hash, "The transaction id"), arg("n", "numeric", "vout number"), opt("include_mempool", "boolean", "Whether to include the mempool (default=true)")}, handler: s.getTxOut},
		{name: "gettxoutsetinfo", category: "Blockchain", summary: "Returns statistics about the unspent transaction output set.",
			args: []argSpec{opt("hash_type", "string", "Which UTXO set hash should be calculated: only the default is supported"), opt("hash_or_height", "numeric", "ignored: the tip's set"), opt("use_index", "boolean", "ignored")}, handler: s.getTxOutSetInfo},
		{name: "getmempoolentry", category: "Blockchain", summary: "Returns mempool data for given transaction.",
			args: []argSpec{arg("txid", hash, "The transaction id (must be in mempool)")}, handler: s.getMempoolEntry},
		{name: "getmempoolinfo", category: "Blockchain", summary: "Returns details on the active state of the TX memory pool.", handler: s.getMempoolInfo},
		{name: "getrawmempool", category: "Blockchain", summary: "Returns all transaction ids in memory pool as a json array of string transaction ids, or an object of entries when verbose.",
			args: []argSpec{opt("verbose", "boolean", "True for a json object, false for array of transaction ids (default=false)"), opt("mempool_sequence", "boolean", "ignored")}, handler: s.getRawMempool},
		{name: "invalidateblock", category: "Blockchain", summary: "Permanently marks a block as invalid, as if it violated a consensus rule.",
			args: []argSpec{arg("blockhash", hash, "the hash of the block to mark as invalid")}, handler: s.invalidateBlock},
		{name: "reconsiderblock", category: "Blockchain", summary: "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation.",
			args: []argSpec{arg("blockhash", hash, "the hash of the block to reconsider")}, handler: s.reconsiderBlock},
		{name: "verifychain", category: "Blockchain", summary: "Verifies blockchain database: true when the stored UTXO set and address index equal a replay of the blocks.",
			args: []argSpec{opt("checklevel", "numeric", "ignored: the replay is complete"), opt("nblocks", "numeric", "ignored: the whole chain")}, handler: s.verifyChain},

		{name: "help", category: "Control", summary: "List all commands, or get help for a specified command.",
			args: []argSpec{opt("command", "string", "The command to get help on")}, handler: s.help},
		{name: "stop", category: "Control", summary: "Request a graceful shutdown of the node.",
			args: []argSpec{opt("wait", "numeric", "ignored")}, handler: s.stop},
		{name: "uptime", category: "Control", summary: "Returns the total uptime of the server in seconds.", handler: s.uptime},

		{name: "getblocktemplate", category: "Mining", summary: "Returns data needed to construct a block to work on.",
			args: []argSpec{opt("template_request", "json object", "ignored: a template for the node's miner address")}, handler: s.getBlockTemplate},
		{name: "getmininginfo", category: "Mining", summary: "Returns a json object containing mining-related information.", handler: s.getMiningInfo},
		{name: "submitblock", category: "Mining", summary: "Attempts to submit new block to network. Returns null when accepted, else a reason.",
			args: []argSpec{arg("hexdata", "string", "the hex-encoded block data to submit"), opt("dummy", "string", "ignored")}, handler: s.submitBlock},
		{name: "generatetoaddress", category: "Mining", summary: "Mine blocks immediately to a specified address (before the RPC call returns).",
			args: []argSpec{arg("nblocks", "numeric", "How many blocks are generated"), arg("address", "string", "The address to send the newly generated coins to"), opt("maxtries", "numeric", "ignored")}, handler: s.generateToAddress},
		{name: "setgenerate", category: "Mining", summary: "Starts (true) or stops (false) the node's built-in miner.",
			args: []argSpec{arg("generate", "boolean", "true to mine, false to stop"), opt("genproclimit", "numeric", "the number of mining threads (-1: keep)")}, handler: s.setGenerate},

		{name: "addnode", category: "Network", summary: "Attempts to add or remove a node from the addnode list, or try a connection to a node once.",
			args: []argSpec{arg("node", "string", "The peer's multiaddr (ending in /p2p/<peerid>)"), opt("command", "string", "'add' to add a node to the list, 'remove' to remove a node from the list, 'onetry' to try a connection to the node once (default=add)")}, handler: s.addNode},
		{name: "disconnectnode", category: "Network", summary: "Immediately disconnects from the specified peer node.",
			args: []argSpec{opt("address", "string", "The peer's multiaddr, address or libp2p peer id"), opt("nodeid", "numeric", "The node ID (see getpeerinfo for node IDs)")}, handler: s.disconnectNode},
		{name: "getconnectioncount", category: "Network", summary: "Returns the number of connections to other nodes.", handler: s.getConnectionCount},
		{name: "getnetworkinfo", category: "Network", summary: "Returns an object containing various state info regarding P2P networking.", handler: s.getNetworkInfo},
		{name: "getpeerinfo", category: "Network", summary: "Returns data about each connected network peer as a json array of objects.", handler: s.getPeerInfo},
		{name: "ping", category: "Network", summary: "Requests that a ping be sent to all other nodes (the libp2p connections keep their own pings; this answers null).", handler: s.ping},
		{name: "setnetworkactive", category: "Network", summary: "Disable/enable all p2p network activity.",
			args: []argSpec{arg("state", "boolean", "true to enable networking, false to disable")}, handler: s.setNetworkActive},

		{name: "decoderawtransaction", category: "Rawtransactions", summary: "Return a JSON object representing the serialized, hex-encoded transaction.",
			args: []argSpec{arg("hexstring", "string", "The transaction hex string"), opt("iswitness", "boolean", "ignored")}, handler: s.decodeRawTransaction},
		{name: "getrawtransaction", category: "Rawtransactions", summary: "Return the raw transaction data, or a JSON object when verbose.",
			args: []argSpec{arg("txid", hash, "The transaction id"), opt("verbosity", "numeric", "0 for hex-encoded data, 1 for a JSON object (default=0)", "verbose"), opt("blockhash", hash, "The block in which to look for the transaction")}, handler: s.getRawTransaction},
		{name: "sendrawtransaction", category: "Rawtransactions", summary: "Submit a raw transaction (serialized, hex-encoded) to local node and network.",
			args: []argSpec{arg("hexstring", "string", "The hex string of the raw transaction"), opt("maxfeerate", "numeric", "ignored"), opt("maxburnamount", "numeric", "ignored")}, handler: s.sendRawTransaction},
		{name: "testmempoolaccept", category: "Rawtransactions", summary: "Returns result of mempool acceptance tests indicating if raw transactions would be accepted by mempool.",
			args: []argSpec{arg("rawtxs", "json array", "An array of hex strings of raw transactions"), opt("maxfeerate", "numeric", "ignored")}, handler: s.testMempoolAccept},

		{name: "estimatesmartfee", category: "Util", summary: "Estimates the fee per kilobyte needed for a transaction to begin confirmation within conf_target blocks (this node keeps no fee statistics: it answers Core's reply without data).",
			args: []argSpec{arg("conf_target", "numeric", "Confirmation target in blocks (1 - 1008)"), opt("estimate_mode", "string", "unset, economical or conservative")}, handler: s.estimateSmartFee},

		{name: "listunspent", category: "Devchain", summary: "Returns the unspent outputs of the given addresses with between minconf and maxconf confirmations (the node keeps no wallet: addresses are required).",
			args: []argSpec{opt("minconf", "numeric", "The minimum confirmations to filter (default=1)"), opt("maxconf", "numeric", "The maximum confirmations to filter (default=9999999)"), opt("addresses", "json array", "The addresses to filter"), opt("include_unsafe", "boolean", "ignored"), opt("query_options", "json object", "ignored")}, handler: s.listUnspent},
		{name: "getaddresshistory", category: "Devchain", summary: "Returns every transaction that paid to or spent from the addresses, oldest first, mempool last.",
			args: []argSpec{arg("address", "string or array", "An address, or an array of addresses")}, handler: s.getAddressHistory},
	}
}
