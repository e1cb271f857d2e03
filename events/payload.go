package events

import "encoding/json"

// The data of each event, as JSON. Field names follow Bitcoin Core's where
// the concept exists (hash, height, previousblockhash, txid); hashes are
// hex in Core's byte order.

// Block is the data of block_connected and block_disconnected: the block
// and its height on the chain it joined or left.
type Block struct {
	Hash              string `json:"hash"`
	Height            uint32 `json:"height"`
	PreviousBlockHash string `json:"previousblockhash"`
	Time              uint32 `json:"time"`
	NTx               int    `json:"ntx"`
}

// Tip is the data of tip_changed, published once per change of the active
// chain after its disconnects and connects. ReorgDepth is how many blocks
// left the active chain (0 when the chain only grew).
type Tip struct {
	Hash       string `json:"hash"`
	Height     uint32 `json:"height"`
	ReorgDepth int    `json:"reorg_depth"`
	// Connected is how many blocks joined the active chain.
	Connected int `json:"connected"`
	// PreviousTip is the tip before the change.
	PreviousTip string `json:"previoustip"`
}

// Tx is the data of tx_accepted: a transaction that entered the mempool.
// Fee is in coins (a JSON number, as amounts are everywhere in the RPC);
// Height is the chain height when it entered.
type Tx struct {
	TxID   string      `json:"txid"`
	Size   int64       `json:"size"`
	Fee    json.Number `json:"fee"`
	Height uint32      `json:"height"`
}

// Peer is the data of peer_connected and peer_disconnected.
type Peer struct {
	PeerID  string `json:"peerid"`
	Addr    string `json:"addr,omitempty"`
	Inbound bool   `json:"inbound,omitempty"`
}

// DroppedNotice is the data of the final dropped event.
type DroppedNotice struct {
	Reason string `json:"reason"`
}
