// Package chain defines the data of the chain and its byte encodings: hashes,
// Bitcoin's 80-byte block header, transactions with BIP340 Schnorr inputs and
// amount+address outputs, blocks, Merkle roots, bech32m addresses and the
// genesis file.
//
// Everything here is format, not judgement: a value that decodes is well
// formed, not valid. The rules (proof of work, amounts, signatures against the
// UTXO set) live in package consensus.
//
// Decoding is strict so that encode(decode(x)) == x whenever decode succeeds:
// short input, trailing bytes, non-minimal variable-length integers and counts
// larger than the remaining input can hold are errors, never panics.
package chain
