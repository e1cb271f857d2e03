package chain

// Block is a header and its transactions, the first of which is the coinbase.
type Block struct {
	Header       BlockHeader
	Transactions []*Transaction
}

// Hash returns the block hash, the hash of its header.
func (b *Block) Hash() Hash { return b.Header.Hash() }

// TxIDs returns the txids of the block's transactions in order.
func (b *Block) TxIDs() []Hash {
	ids := make([]Hash, len(b.Transactions))
	for i, tx := range b.Transactions {
		ids[i] = tx.TxID()
	}
	return ids
}

// SerializeSize returns the length of the block's serialization.
func (b *Block) SerializeSize() int {
	n := HeaderSize + varIntSize(uint64(len(b.Transactions)))
	for _, tx := range b.Transactions {
		n += tx.SerializeSize()
	}
	return n
}

// Serialize returns Bitcoin's block layout: the 80-byte header, the
// transaction count, then each transaction.
func (b *Block) Serialize() []byte {
	buf := make([]byte, 0, b.SerializeSize())
	buf = b.Header.appendTo(buf)
	buf = appendVarInt(buf, uint64(len(b.Transactions)))
	for _, tx := range b.Transactions {
		buf = tx.appendTo(buf)
	}
	return buf
}

// BlockTxCount reads the transaction count of a serialized block without
// decoding its transactions (getblockheader's nTx).
func BlockTxCount(data []byte) (int, error) {
	r := reader{buf: data}
	r.header()
	n := r.count(minTxSize)
	if r.err != nil {
		return 0, r.err
	}
	return n, nil
}

// DecodeBlock decodes a block that fills data exactly.
func DecodeBlock(data []byte) (*Block, error) {
	r := reader{buf: data}
	b := &Block{Header: r.header()}
	if n := r.count(minTxSize); n > 0 {
		b.Transactions = make([]*Transaction, n)
		for i := range b.Transactions {
			b.Transactions[i] = r.transaction()
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return b, nil
}
