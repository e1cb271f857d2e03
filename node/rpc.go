package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/devchain/devchain/rpcclient"
)

// rpcServer serves JSON-RPC 2.0 over HTTP with cookie authentication.
type rpcServer struct {
	node     *Node
	http     *http.Server
	listener net.Listener
	url      string
	password string
	maxBody  int64
	methods  map[string]rpcMethod
	done     chan struct{}
}

// rpcMethod handles one method call.
type rpcMethod func(ctx context.Context, p *params) (any, error)

// rpcError is a JSON-RPC error with a Bitcoin Core code.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("rpc %d: %s", e.Code, e.Message) }

func errorf(code int, format string, args ...any) *rpcError {
	return &rpcError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// minRPCBody bounds a request body: a block in hex (two characters per
// byte) with room for the JSON around it.
const minRPCBody = 1 << 20

func startRPC(n *Node) (*rpcServer, error) {
	addr := n.cfg.RPCAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkRPCBind(addr, n.cfg.RPCAllowRemote); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node: rpc listen on %s: %w", addr, err)
	}
	s := &rpcServer{
		node:     n,
		listener: ln,
		url:      "http://" + ln.Addr().String() + "/",
		maxBody:  max(minRPCBody, 2*n.params.MaxBlockBytes+64<<10),
		done:     make(chan struct{}),
	}
	s.methods = s.methodTable()
	if err := s.writeFiles(); err != nil {
		ln.Close()
		return nil, err
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute, // a body trickled forever does not hold a connection
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	if host, _, _ := net.SplitHostPort(addr); !isLoopbackHost(host) {
		n.log.Warn("rpc_not_loopback", "addr", ln.Addr().String())
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("rpc_stopped", "err", err)
		}
	}()
	return s, nil
}

// isLoopbackHost reports whether an RPC host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// checkRPCBind refuses to serve RPC beyond loopback unless asked to.
func checkRPCBind(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("node: --rpc %q: want HOST:PORT: %w", addr, err)
	}
	if isLoopbackHost(host) || allowRemote {
		return nil
	}
	return fmt.Errorf("node: --rpc %q is not a loopback address; pass --rpc-allow-remote to serve RPC (cookie auth) beyond this machine", addr)
}

// writeFiles writes the cookie (a fresh password, mode 0600) and the URL
// file into the datadir.
func (s *rpcServer) writeFiles() error {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return fmt.Errorf("node: rpc cookie: %w", err)
	}
	s.password = hex.EncodeToString(secret[:])
	dir := s.node.cfg.DataDir
	if err := writeFileAtomic(filepath.Join(dir, rpcclient.CookieFile), []byte(rpcclient.CookieUser+":"+s.password), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, rpcclient.URLFile), []byte(s.url+"\n"), 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("node: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("node: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("node: write %s: %w", path, err)
	}
	return nil
}

func (s *rpcServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	<-s.done
	dir := s.node.cfg.DataDir
	os.Remove(filepath.Join(dir, rpcclient.CookieFile))
	os.Remove(filepath.Join(dir, rpcclient.URLFile))
	return err
}

func (s *rpcServer) authorized(r *http.Request) bool {
	user, password, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(rpcclient.CookieUser)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(password), []byte(s.password)) == 1
	return userOK && passOK
}

type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// ServeHTTP implements http.Handler.
func (s *rpcServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="jsonrpc"`)
		http.Error(w, "unauthorized: use the cookie in the datadir", http.StatusUnauthorized)
		return
	}
	if r.URL.Path == "/events" {
		s.node.tele.hub.ServeHTTP(w, r) // Server-Sent Events, telemetry.go
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "JSON-RPC requires POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"),
				Error: errorf(rpcclient.CodeInvalidRequest, "request larger than %d bytes", s.maxBody)})
			return
		}
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		s.serveBatch(w, r.Context(), trimmed)
		return
	}
	resp, notify := s.handle(r.Context(), trimmed)
	if notify {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *rpcServer) serveBatch(w http.ResponseWriter, ctx context.Context, body []byte) {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		writeJSON(w, http.StatusOK, parseError(err))
		return
	}
	if len(items) == 0 {
		writeJSON(w, http.StatusOK, rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"),
			Error: errorf(rpcclient.CodeInvalidRequest, "empty batch")})
		return
	}
	out := make([]rpcResponse, 0, len(items))
	for _, item := range items {
		if resp, notify := s.handle(ctx, item); !notify {
			out = append(out, resp)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func parseError(err error) rpcResponse {
	return rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"), Error: errorf(rpcclient.CodeParse, "parse error: %v", err)}
}

// handle runs one request; notify is true for a JSON-RPC 2.0 notification
// (no id), which gets no response.
func (s *rpcServer) handle(ctx context.Context, body []byte) (resp rpcResponse, notify bool) {
	var req rpcRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return rpcResponse{JSONRPC: "2.0", ID: json.RawMessage("null"),
				Error: errorf(rpcclient.CodeInvalidRequest, "invalid request: %v", err)}, false
		}
		return parseError(err), false
	}
	resp = rpcResponse{JSONRPC: "2.0", ID: req.ID}
	if len(req.ID) == 0 {
		resp.ID = json.RawMessage("null")
		notify = req.JSONRPC == "2.0"
	}
	if req.Method == "" {
		resp.Error = errorf(rpcclient.CodeInvalidRequest, "missing method")
		return resp, notify
	}
	method, ok := s.methods[req.Method]
	if !ok {
		resp.Error = errorf(rpcclient.CodeMethodNotFound, "Method not found: %s", req.Method)
		return resp, notify
	}
	p, perr := parseParams(req.Method, req.Params)
	if perr != nil {
		resp.Error = perr
		return resp, notify
	}
	result, err := s.call(ctx, method, p)
	if err != nil {
		resp.Error = asRPCError(err)
		return resp, notify
	}
	if result == nil {
		result = json.RawMessage("null")
	}
	resp.Result = result
	return resp, notify
}

// call runs a method, turning a panic into an internal error: no request
// may bring the node down.
func (s *rpcServer) call(ctx context.Context, method rpcMethod, p *params) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.node.log.Error("rpc_panic", "method", p.method, "err", fmt.Sprint(r))
			err = errorf(rpcclient.CodeInternal, "internal error in %s", p.method)
		}
	}()
	return method(ctx, p)
}

func asRPCError(err error) *rpcError {
	var re *rpcError
	if errors.As(err, &re) {
		return re
	}
	return errorf(rpcclient.CodeMisc, "%v", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data = []byte(`{"jsonrpc":"2.0","error":{"code":-32603,"message":"encode response"},"id":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}
