// Package wallet is devchain's wallet: one HD seed in a file, keys derived
// from it, coins found and transactions submitted through a node's JSON-RPC
// interface (package rpcclient). It never reaches into the node: everything
// it knows about the chain comes from getblockchaininfo, listunspent,
// getrawtransaction and getaddresshistory, and everything it does goes
// through sendrawtransaction. The wallet command (cmd/wallet) is a thin
// shell over this package; the node's devnet command and end-to-end tests
// use it directly.
//
// # Seed, keys, addresses
//
// Create draws a 256-bit seed (hdkeychain.GenerateSeed) and makes it a
// BIP32 master key. Keys are derived along DerivationPath,
// m/86'/0'/0'/0/i: the shape of BIP86's first account, with receiving and
// change addresses sharing the one index sequence (the file marks change).
// An address is the key's x-only BIP340 public key written in bech32m with
// the chain's prefix (chain.AddressFromPubKey), untweaked: it equals
// BIP86's "internal_key" for the same seed and index, which the tests check
// against BIP86's published vectors. The same seed always derives the same
// addresses. NewAddress derives the next index and saves it; Send derives
// one for change.
//
// # The wallet file
//
// The file is JSON, written atomically (a temporary file in the same
// directory, fsync, rename, directory fsync) with mode 0600:
//
//	{
//	  "format": "devchain-wallet", "version": 1,
//	  "encrypted": true,
//	  "address_prefix": "dev",
//	  "genesis_hash": "5a1b...",            // absent until learned from a node
//	  "generation": 7,                      // bumped at every save
//	  "seed": {
//	    "kdf": {"name": "scrypt", "salt": "<16 bytes hex>", "n": 32768, "r": 8, "p": 1},
//	    "cipher": "xchacha20poly1305",
//	    "nonce": "<24 bytes hex>",
//	    "ciphertext": "<seed and 16-byte tag, hex>"
//	  },
//	  "derivation": "m/86'/0'/0'/0/i",
//	  "addresses": [{"index": 0, "address": "dev1p..."},
//	                {"index": 1, "address": "dev1p...", "change": true}],
//	  "pending": [{"txid": "...", "spends": [{"txid": "...", "vout": 0, "address": "dev1p...", "amount": 5000000000}],
//	               "to": "dev1p...", "amount": 150000000, "fee": 436,
//	               "change": {"vout": 1, "address": "dev1p...", "amount": 4849999564},
//	               "time": 1767225600, "hex": "<raw transaction>"}]
//	}
//
// Only the seed is secret. It is sealed with XChaCha20-Poly1305 under a key
// that scrypt derives from the passphrase and a random salt; the scrypt
// parameters are stored beside it, so they can be raised for new files
// without breaking old ones. A wrong passphrase fails the AEAD's
// authentication and is reported as ErrWrongPassphrase. An unencrypted
// wallet (nil or empty passphrase; `create --no-encrypt`, as `node devnet`
// writes) has "encrypted": false and the seed under "seed": {"plain": hex};
// the command warns about it every time it opens one. Amounts in the file
// are integer units.
//
// Open decrypts the seed and re-derives every stored address, so a file
// whose public part was edited is refused (ErrCorrupt) rather than trusted.
// Every save first checks that the generation on disk is the one this
// process read: a wallet file saved meanwhile by another process is not
// overwritten (ErrConcurrentUpdate; run the command again). Processes that
// use one wallet at once are serialised before that: Lock takes an
// exclusive flock on "<wallet>.lock" for the whole command, so a second
// `wallet send` waits for the first (up to 30 s, then ErrWalletBusy) rather
// than selecting the same coins and change address and reporting the same
// transaction.
//
// # The chain
//
// The file records the chain's address prefix and genesis hash, from the
// node's getblockchaininfo at creation; a wallet created offline (Create
// with a prefix, before the chain exists) learns the genesis hash from the
// first node it reaches. From then on every command that talks to a node
// first checks both (CheckChain), so a wallet is never used on another
// chain (ErrChainMismatch). Signatures commit to the genesis hash, which is
// read from the file.
//
// # Pending spends
//
// A node's listunspent leaves out outputs spent by its own mempool, but the
// wallet may talk to a node that has not seen its last transaction yet. So
// the wallet keeps its own record of the transactions it sent: before
// submitting one, Send writes it to the file with the outputs it spends
// (write-ahead: a crash after the submission cannot lose the record). At
// every command that reaches a node (Sync) each pending transaction is
// looked up with getrawtransaction: confirmed ones (in the active chain)
// and vanished ones (in neither the mempool nor the active chain: evicted,
// conflicted, lost in a restart) leave the record; a transaction the node
// rejected at submission is rolled back at once, with its change address.
// While a transaction is pending, the outputs it spends are not offered to
// coin selection nor counted in the balance, so two sends in a row never
// spend the same coin.
//
// # Coin selection
//
// Send lists the wallet's coins with listunspent over all its addresses
// (minconf 1 for confirmed coins; minconf 0, maxconf 0 for unconfirmed
// ones) and SelectCoins chooses among them:
//   - immature coinbase outputs (spendable false) are skipped, and so are
//     unconfirmed outputs, except the change of the wallet's own pending
//     transactions (OwnChange): those the wallet trusts, but uses only when
//     its confirmed coins do not cover the payment;
//   - the smallest single coin that covers the amount and the fee wins
//     (exact matches included); otherwise the largest coins are accumulated
//     until they cover it, which keeps the number of inputs, and the fee,
//     small;
//   - the fee is the fee rate (units per byte, default DefaultFeeRate = 2,
//     at least the node's minimum relay fee of 1) times the exact
//     serialized size (tx.SerializeSize(); signatures have a fixed size);
//   - change goes to a new address, unless it is below DustThreshold (three
//     times the cost of creating and spending an output at the fee rate:
//     1032 units at 2 units/byte), in which case it is added to the fee.
//
// The transaction pays the recipient in output 0 and the change in output
// 1, is signed locally with chain.SignTransaction, and goes to the node
// with sendrawtransaction. Not enough coins gives an
// *InsufficientFundsError ("insufficient funds: have X, need Y", Y
// including the fee), which also says how much is immature or unconfirmed.
//
// # Balance and history
//
// GetBalance splits what each address holds into confirmed, unconfirmed
// (incoming payments and own change in the mempool) and immature
// (coinbase), without the outputs pending transactions spend, and says what
// Send can spend now. History groups getaddresshistory's per-address
// entries by transaction: the net amount for the wallet is what the
// transaction paid to its addresses minus what it spent from them (a
// payment shows minus the amount and the fee), oldest first, pending last.
package wallet
