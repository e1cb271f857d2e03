package rpcclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// FuzzDatadirFiles: whatever a datadir's rpc.url and .cookie hold, a
// client is built or refused without a panic, and a call through it fails
// cleanly (the context is cancelled: nothing is dialled).
func FuzzDatadirFiles(f *testing.F) {
	f.Add("http://127.0.0.1:18443/\n", "__cookie__:abcdef")
	f.Add("", "")
	f.Add("::::", ":")
	f.Add("http://[::1]:0/", "user")
	f.Add("\x00\xff", "__cookie__:\n\n")
	f.Fuzz(func(t *testing.T, url, cookie string) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, URLFile), []byte(url), 0o600)
		os.WriteFile(filepath.Join(dir, CookieFile), []byte(cookie), 0o600)
		c, err := FromDatadir(dir)
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.CallRaw(ctx, "getblockcount", nil); err == nil {
			t.Fatal("a call with a cancelled context succeeded")
		}
	})
}

// FuzzClientResponse: whatever a node answers, the client returns a
// result or an error without a panic.
func FuzzClientResponse(f *testing.F) {
	var body atomic.Pointer[[]byte]
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	c := New(srv.URL, CookieUser, "x")
	f.Add(200, []byte(`{"result":5,"error":null,"id":1}`))
	f.Add(200, []byte(`{"result":null,"error":{"code":-8,"message":"x"},"id":1}`))
	f.Add(401, []byte(``))
	f.Add(500, []byte(`{"error":{"code":"x"}}`))
	f.Add(200, []byte(`[`))
	f.Fuzz(func(t *testing.T, code int, data []byte) {
		if code < 200 || code > 599 {
			code = 200
		}
		status.Store(int32(code))
		body.Store(&data)
		var out any
		_ = c.Call(context.Background(), "getblockcount", nil, &out)
	})
}
