package rpcserver

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/jsonrpc"
)

// params are a call's parameters, positional (named ones are put in
// place by parseParams), decoded on demand with Bitcoin Core's errors: a
// mistyped parameter is -32602, a well-typed but unacceptable value -8.
type params struct {
	method string
	raw    []json.RawMessage
}

// parseParams reads a call's params, an array or (named parameters) an
// object keyed by the argument names of Core's help, and checks their
// number: a wrong count is Core's -1 with the method's usage as message.
func parseParams(spec *methodSpec, raw json.RawMessage) (*params, *rpcError) {
	p := &params{method: spec.name}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")):
	case trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &p.raw); err != nil {
			return nil, errorf(jsonrpc.CodeInvalidParams, "%s: params: %v", spec.name, err)
		}
	case trimmed[0] == '{':
		var named map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &named); err != nil {
			return nil, errorf(jsonrpc.CodeInvalidParams, "%s: params: %v", spec.name, err)
		}
		p.raw = make([]json.RawMessage, len(spec.args))
		for name, value := range named {
			i := spec.argIndex(name)
			if i < 0 {
				return nil, errorf(jsonrpc.CodeInvalidParam, "Unknown named parameter %s", name)
			}
			if p.raw[i] != nil {
				return nil, errorf(jsonrpc.CodeInvalidParam, "Parameter %s specified twice both as positional and named argument", name)
			}
			p.raw[i] = value
		}
		for i := range p.raw {
			if p.raw[i] == nil {
				p.raw[i] = json.RawMessage("null")
			}
		}
		for len(p.raw) > 0 && !p.has(len(p.raw)-1) {
			p.raw = p.raw[:len(p.raw)-1]
		}
	default:
		return nil, errorf(jsonrpc.CodeInvalidRequest, "Params must be an array or object")
	}
	if len(p.raw) < spec.minArgs() || len(p.raw) > len(spec.args) {
		return nil, errorf(jsonrpc.CodeMisc, "%s", spec.usage())
	}
	return p, nil
}

// has reports whether parameter i is present and not null.
func (p *params) has(i int) bool {
	return i < len(p.raw) && !bytes.Equal(bytes.TrimSpace(p.raw[i]), []byte("null"))
}

func (p *params) typeError(i int, want string) error {
	return errorf(jsonrpc.CodeInvalidParams, "%s: parameter %d: expected %s, got %s", p.method, i+1, want, abbreviate(p.raw[i]))
}

func abbreviate(raw json.RawMessage) string {
	if len(raw) > 40 {
		return string(raw[:37]) + "..."
	}
	return string(raw)
}

func (p *params) str(i int) (string, error) {
	if !p.has(i) {
		return "", errorf(jsonrpc.CodeInvalidParams, "%s: parameter %d is missing", p.method, i+1)
	}
	var s string
	if err := json.Unmarshal(p.raw[i], &s); err != nil {
		return "", p.typeError(i, "a string")
	}
	return s, nil
}

// integer reads an integer parameter, def when absent.
func (p *params) integer(i int, def int64) (int64, error) {
	if !p.has(i) {
		return def, nil
	}
	if t := bytes.TrimSpace(p.raw[i]); len(t) > 0 && t[0] == '"' {
		return 0, p.typeError(i, "an integer") // json.Number would take "5"
	}
	var f json.Number
	dec := json.NewDecoder(bytes.NewReader(p.raw[i]))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return 0, p.typeError(i, "an integer")
	}
	n, err := strconv.ParseInt(f.String(), 10, 64)
	if err != nil {
		return 0, p.typeError(i, "an integer")
	}
	return n, nil
}

// intRange reads an integer in [lo, hi].
func (p *params) intRange(i int, def, lo, hi int64) (int64, error) {
	n, err := p.integer(i, def)
	if err != nil {
		return 0, err
	}
	if n < lo || n > hi {
		return 0, errorf(jsonrpc.CodeInvalidParam, "%s: parameter %d out of range [%d, %d]: %d", p.method, i+1, lo, hi, n)
	}
	return n, nil
}

func (p *params) boolean(i int, def bool) (bool, error) {
	if !p.has(i) {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(p.raw[i], &b); err != nil {
		return false, p.typeError(i, "a boolean")
	}
	return b, nil
}

// verbosity reads a verbosity that may be a boolean (true = 1) or a number.
func (p *params) verbosity(i int, def int64) (int64, error) {
	if !p.has(i) {
		return def, nil
	}
	var b bool
	if json.Unmarshal(p.raw[i], &b) == nil {
		if b {
			return 1, nil
		}
		return 0, nil
	}
	return p.intRange(i, def, 0, 2)
}

func (p *params) hash(i int) (chain.Hash, error) {
	s, err := p.str(i)
	if err != nil {
		return chain.Hash{}, err
	}
	h, err := chain.ParseHash(s)
	if err != nil {
		return chain.Hash{}, errorf(jsonrpc.CodeInvalidParam, "%s: parameter %d must be a 64-digit hex hash, got %q", p.method, i+1, abbreviateString(s))
	}
	return h, nil
}

func abbreviateString(s string) string {
	if len(s) > 70 {
		return s[:67] + "..."
	}
	return s
}

// hexBytes reads a hex string parameter.
func (p *params) hexBytes(i int) ([]byte, error) {
	s, err := p.str(i)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, errorf(jsonrpc.CodeInvalidParam, "%s: parameter %d is not hex: %v", p.method, i+1, err)
	}
	return b, nil
}

// address reads a bech32m address of this chain.
func (p *params) address(i int, prefix string) (chain.Address, error) {
	s, err := p.str(i)
	if err != nil {
		return chain.Address{}, err
	}
	return decodeAddress(s, prefix)
}

// decodeAddress parses an address given to a method, answering Core's -5
// when it is not one of this chain's.
func decodeAddress(s, prefix string) (chain.Address, error) {
	addr, err := chain.DecodeAddress(s, prefix)
	if err != nil {
		return chain.Address{}, errorf(jsonrpc.CodeInvalidAddress, "Invalid address: %v", err)
	}
	return addr, nil
}

// strings reads an array of strings.
func (p *params) strings(i int) ([]string, error) {
	if !p.has(i) {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(p.raw[i], &out); err != nil {
		return nil, p.typeError(i, "an array of strings")
	}
	return out, nil
}

// coins converts units to a JSON number of coins with 8 decimals.
func coins(units int64) json.Number {
	return json.Number(chain.FormatAmount(units))
}

// difficultyOf is Bitcoin's difficulty measured against the chain's pow
// limit (1 at the easiest target), not against Bitcoin mainnet's.
func difficultyOf(bits uint32, powLimitBits uint32) float64 {
	return compactFloat(powLimitBits) / compactFloat(bits)
}

func compactFloat(bits uint32) float64 {
	exp := int(bits >> 24)
	mant := float64(bits & 0x007fffff)
	if mant == 0 {
		return math.Inf(1)
	}
	return mant * math.Pow(256, float64(exp-3))
}
