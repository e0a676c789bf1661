package tripletextest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// sessionCreate is PUT /token/session/:create?consumerToken&employeeToken&expirationDate.
// An unknown consumer token is 422 arg:consumerToken with Tripletex's
// message; the session lives until 00:00 Europe/Oslo on expirationDate, which
// must be after today.
func sessionCreate(c *call) (*result, *apiError) {
	st := c.s.st
	consumer := c.query.Get("consumerToken")
	employee := c.query.Get("employeeToken")
	exp := c.query.Get("expirationDate")
	if consumer != c.s.opts.ConsumerToken {
		e := validationError(validationMessage{Field: strp("arg:consumerToken"), Message: msgBadConsumer, Path: strp("arg:consumerToken")})
		return nil, e
	}
	if employee != c.s.opts.EmployeeToken {
		return nil, validationError(validationMessage{Field: strp("arg:employeeToken"), Message: msgBadEmployee, Path: strp("arg:employeeToken")})
	}
	day, err := time.ParseInLocation(time.DateOnly, exp, oslo)
	if err != nil {
		return nil, validationError(validationMessage{Field: strp("arg:expirationDate"), Message: msgBadDate, Path: strp("arg:expirationDate")})
	}
	if exp <= c.now.In(oslo).Format(time.DateOnly) {
		return nil, validationError(validationMessage{Field: strp("arg:expirationDate"), Message: msgExpirationDate, Path: strp("arg:expirationDate")})
	}
	st.sessionCount++
	id := st.newID()
	// Real tokens are base64 of {"tokenId":…,"token":"<uuid>"}.
	raw, _ := json.Marshal(map[string]any{"tokenId": id, "token": newRequestID()})
	token := base64.RawURLEncoding.EncodeToString(raw)
	ss := &session{id: id, token: token, expiration: exp, expiresAt: day}
	st.sessions[token] = ss
	return &result{status: 200, value: map[string]any{
		"id": id, "version": 1, "url": st.url("token/session", id),
		"consumerToken": st.stub("token/consumer", st.consumerID), "employeeToken": st.stub("token/employee", st.employeeTok),
		"expirationDate": exp, "token": token,
	}}, nil
}

// sessionDelete is DELETE /token/session/{token}: the token stops working.
func sessionDelete(c *call) (*result, *apiError) {
	ss := c.s.st.sessions[c.params["token"]]
	if ss == nil || ss.revoked {
		return nil, notFoundError()
	}
	ss.revoked = true
	return &result{status: 204}, nil
}

// whoAmI is GET /token/session/>whoAmI.
func whoAmI(c *call) (*result, *apiError) {
	st := c.s.st
	return &result{status: 200, value: map[string]any{
		"employeeId": st.employeeID, "actualEmployeeId": st.employeeID, "employee": st.stub("employee", st.employeeID),
		"companyId": st.companyID,
		"company":   st.stub("company", st.companyID), "language": "no", "loggedInWithConnect": false, "employeeIsProxy": false,
	}}, nil
}

// authenticate checks HTTP Basic "<0|companyId>:<sessionToken>". Any
// failure is the real 401/3000 body.
func (s *Server) authenticate(c *call) *apiError {
	h := c.r.Header.Get("Authorization")
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return unauthorizedError("")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return unauthorizedError("")
	}
	user, token, ok := strings.Cut(string(raw), ":")
	if !ok {
		return unauthorizedError("")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	if user != "" && user != "0" && user != strconv.FormatInt(st.companyID, 10) {
		return unauthorizedError(fmt.Sprintf("Authorization header has invalid username: %s. Should be a customer id or 0 for default. The expected format is base64encoded(<<companyId>>:<<sessionToken>>)", user))
	}
	ss := st.sessions[token]
	if ss == nil || ss.revoked || !c.now.Before(ss.expiresAt) {
		return unauthorizedError("")
	}
	c.session = ss
	return nil
}

// ExpireSessions makes every session token issued so far invalid at once,
// as if its expiration date had passed; new sessions can be created.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.st.sessions {
		ss.revoked = true
	}
}

// SessionsCreated counts successful PUT /token/session/:create calls.
func (s *Server) SessionsCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.sessionCount
}
