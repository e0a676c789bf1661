package httperr

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestCauseNeverNamesTheURL(t *testing.T) {
	const secret = "consumer-token-Xy12"
	req, _ := http.NewRequest("PUT", "http://127.0.0.1:1/v2/token/session/:create?consumerToken="+secret, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err == nil || !strings.Contains(err.Error(), secret) {
		t.Fatalf("the client's own error should name the URL: %v", err)
	}
	got := Cause(err)
	if strings.Contains(got, secret) || strings.Contains(got, "127.0.0.1:1/v2") || !strings.Contains(got, "context canceled") {
		t.Errorf("Cause = %q", got)
	}
	if Cause(errors.New("plain")) != "plain" {
		t.Error("an error without a URL is kept as it is")
	}
}
