package core

import (
	"errors"
	"testing"
)

func TestRetryReconnected(t *testing.T) {
	refused := Errorf(CodeUnauthorized, "token revoked")
	renewErr := errors.New("needs reauth")
	for _, tc := range []struct {
		name      string
		answers   []error // per call
		reconnect bool
		renewErr  error
		wantCalls []string // the token each call carried
		wantErr   error
	}{
		{"accepted", []error{nil}, true, nil, []string{"old"}, nil},
		{"another failure is not retried", []error{Errorf(CodeUnavailable, "down")}, true, nil, []string{"old"}, nil},
		{"refused, no integration to reconnect", []error{refused}, false, nil, []string{"old"}, refused},
		{"refused, renewed, accepted", []error{refused, nil}, true, nil, []string{"old", "new"}, nil},
		{"refused twice", []error{refused, refused}, true, nil, []string{"old", "new"}, refused},
		{"reconnecting fails", []error{refused}, true, renewErr, []string{"old"}, renewErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			call := func(c Connection) (int, error) {
				calls = append(calls, c.Credentials["token"])
				return len(calls), tc.answers[len(calls)-1]
			}
			var reconnect func(error) (Connection, error)
			if tc.reconnect {
				reconnect = func(err error) (Connection, error) {
					if Code(err) != CodeUnauthorized {
						t.Errorf("reconnect got %v, want the refusal", err)
					}
					return Connection{Credentials: map[string]string{"token": "new"}}, tc.renewErr
				}
			}
			_, err := RetryReconnected(Connection{Credentials: map[string]string{"token": "old"}}, call, reconnect)
			if len(calls) != len(tc.wantCalls) || calls[0] != tc.wantCalls[0] || calls[len(calls)-1] != tc.wantCalls[len(tc.wantCalls)-1] {
				t.Errorf("calls %v, want %v", calls, tc.wantCalls)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}
