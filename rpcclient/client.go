// Package rpcclient calls a node's JSON-RPC interface: JSON-RPC 2.0 over
// HTTP POST with positional parameters and Bitcoin Core's cookie
// authentication. The wallet and `node rpc` use it; it knows nothing of the
// node's internals.
package rpcclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/devchain/devchain/jsonrpc"
)

// Files a running node writes into its datadir so that clients given only
// the datadir can reach it.
const (
	// CookieFile holds "__cookie__:PASSWORD", rewritten at each start (0600).
	CookieFile = ".cookie"
	// URLFile holds the RPC URL the node listens on, e.g. http://127.0.0.1:18443/.
	URLFile = "rpc.url"
	// CookieUser is the user name of cookie authentication.
	CookieUser = "__cookie__"
)

// Bitcoin Core's JSON-RPC error codes, as the node answers them (package
// jsonrpc holds them for server and client).
const (
	CodeParse           = jsonrpc.CodeParse
	CodeInvalidRequest  = jsonrpc.CodeInvalidRequest
	CodeMethodNotFound  = jsonrpc.CodeMethodNotFound
	CodeInvalidParams   = jsonrpc.CodeInvalidParams
	CodeInternal        = jsonrpc.CodeInternal
	CodeMisc            = jsonrpc.CodeMisc
	CodeInvalidAddress  = jsonrpc.CodeInvalidAddress
	CodeOutOfMemory     = jsonrpc.CodeOutOfMemory
	CodeInvalidParam    = jsonrpc.CodeInvalidParam
	CodeDeserialization = jsonrpc.CodeDeserialization
	CodeInWarmup        = jsonrpc.CodeInWarmup
	CodeClientNotConn   = jsonrpc.CodeClientNotConn
	CodeNodeAlreadyAdd  = jsonrpc.CodeNodeAlreadyAdd
	CodeNodeNotAdded    = jsonrpc.CodeNodeNotAdded
	CodeVerify          = jsonrpc.CodeVerify
	CodeVerifyRejected  = jsonrpc.CodeVerifyRejected
	CodeVerifyInChain   = jsonrpc.CodeVerifyInChain
	CodeNodeNotConn     = jsonrpc.CodeNodeNotConn
	CodeInvalidIPOrSub  = jsonrpc.CodeInvalidIPOrSub
	CodeNetworkDisabled = jsonrpc.CodeNetworkDisabled
)

// Error is a JSON-RPC error answered by the node.
type Error = jsonrpc.Error

// ErrUnauthorized is returned when the node refuses the credentials (HTTP 401).
var ErrUnauthorized = errors.New("rpcclient: unauthorized: wrong or stale cookie")

// ErrUnreachable wraps every failure to reach the node at all.
var ErrUnreachable = errors.New("rpcclient: node unreachable")

// Client calls one node. It is safe for concurrent use.
type Client struct {
	URL      string
	User     string
	Password string
	HTTP     *http.Client
	nextID   atomic.Uint64
}

// New returns a client of the node at url with the given credentials.
func New(url, user, password string) *Client {
	return &Client{URL: url, User: user, Password: password, HTTP: &http.Client{Timeout: 10 * time.Minute}}
}

// FromCookieFile returns a client of url authenticated by a cookie file.
func FromCookieFile(url, cookiePath string) (*Client, error) {
	data, err := os.ReadFile(cookiePath)
	if err != nil {
		return nil, fmt.Errorf("%w: read cookie: %v (is the node running?)", ErrUnreachable, err)
	}
	user, password, ok := strings.Cut(strings.TrimSpace(string(data)), ":")
	if !ok {
		return nil, fmt.Errorf("rpcclient: cookie file %s: want user:password", cookiePath)
	}
	return New(url, user, password), nil
}

// FromDatadir returns a client of the node running on datadir, found by the
// URL and cookie files it writes there.
func FromDatadir(datadir string) (*Client, error) {
	data, err := os.ReadFile(filepath.Join(datadir, URLFile))
	if err != nil {
		return nil, fmt.Errorf("%w: no RPC URL in %s: %v (is the node running?)", ErrUnreachable, datadir, err)
	}
	return FromCookieFile(strings.TrimSpace(string(data)), filepath.Join(datadir, CookieFile))
}

// Call invokes method with positional params and decodes the result into
// result (unless it is nil). A JSON-RPC error comes back as *Error.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	raw, err := c.CallRaw(ctx, method, params)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("rpcclient: %s: decode result: %w", method, err)
	}
	return nil
}

// CallRaw invokes method and returns the undecoded result.
func (c *Client) CallRaw(ctx context.Context, method string, params []any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	rawParams, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("rpcclient: %s: encode params: %w", method, err)
	}
	id := strconv.AppendUint(nil, c.nextID.Add(1), 10)
	body, err := json.Marshal(jsonrpc.Request{JSONRPC: jsonrpc.Version2, ID: id, Method: method, Params: rawParams})
	if err != nil {
		return nil, fmt.Errorf("rpcclient: %s: encode request: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("rpcclient: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.User, c.Password)
	httpc := c.HTTP
	if httpc == nil {
		httpc = http.DefaultClient
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: read response: %v", ErrUnreachable, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, ErrUnauthorized
	}
	var r jsonrpc.Reply
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("rpcclient: %s: HTTP %d: %.200s", method, resp.StatusCode, data)
	}
	if r.Error != nil {
		return nil, r.Error
	}
	return r.Result, nil
}
