package proxy

import (
	"context"
	"net/http"
)

func forwardBench(f *Forwarder, w http.ResponseWriter, in http.Header, x *Exchange) {
	f.Forward(w, context.Background(), in, x)
}
