package plugin

import (
	"context"
	"errors"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/plugin/pb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The error conversion, in both directions: a *core.Error travels as a
// pb.Error detail of the gRPC status, so the host gets back exactly what
// the plugin returned; everything else maps to the closest code.

// knownCodes are the codes a plugin may report.
var knownCodes = map[core.ErrorCode]bool{
	core.CodeInvalid: true, core.CodeUnauthorized: true, core.CodeForbidden: true,
	core.CodeNotFound: true, core.CodeConflict: true, core.CodeRateLimited: true,
	core.CodeProviderError: true, core.CodeUnavailable: true, core.CodeUnsupported: true,
	core.CodeInternal: true,
}

// ErrorFromStatus converts an error from a plugin call into a *core.Error:
//   - a status carrying a pb.Error detail becomes that error exactly (an
//     empty or unknown code in it becomes CodeInternal);
//   - a status without the detail with code Unavailable, DeadlineExceeded or
//     Canceled (the plugin process is gone, or the call timed out or was
//     canceled on the host side) becomes CodeUnavailable;
//   - Unimplemented without the detail (a plugin built against an older
//     protocol that lacks the RPC) becomes CodeUnsupported;
//   - anything else becomes CodeInternal.
//
// A *core.Error passes through unchanged, and nil stays nil.
func ErrorFromStatus(err error) error {
	if err == nil {
		return nil
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	st, ok := status.FromError(err)
	if !ok {
		switch {
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			return core.Errorf(core.CodeUnavailable, "provider call timed out or was canceled: %v", err)
		}
		return core.Errorf(core.CodeInternal, "provider plugin call failed: %v", err)
	}
	for _, d := range st.Details() {
		if pe, ok := d.(*pb.Error); ok {
			e := errorFromPB(pe)
			if !knownCodes[e.Code] {
				e.Message = "provider reported unknown error code " + string(e.Code) + ": " + e.Message
				e.Code = core.CodeInternal
			}
			return e
		}
	}
	switch st.Code() {
	case codes.Unavailable:
		return core.Errorf(core.CodeUnavailable, "provider process is unreachable: %s", st.Message())
	case codes.DeadlineExceeded:
		return core.Errorf(core.CodeUnavailable, "provider call timed out: %s", st.Message())
	case codes.Canceled:
		return core.Errorf(core.CodeUnavailable, "provider call was canceled: %s", st.Message())
	case codes.Unimplemented:
		return core.Errorf(core.CodeUnsupported, "provider plugin does not implement this call: %s", st.Message())
	}
	return core.Errorf(core.CodeInternal, "provider plugin failed (%s): %s", st.Code(), st.Message())
}

// StatusFromError converts err into the gRPC status the plugin answers with:
// the gRPC code is chosen from the core code for the benefit of generic gRPC
// tooling, and the status carries the full *core.Error as a pb.Error detail,
// which is what the host reads. Foreign errors become CodeInternal, except
// context.Canceled and context.DeadlineExceeded, which become
// CodeUnavailable. A nil err yields nil.
func StatusFromError(err error) error {
	if err == nil {
		return nil
	}
	var e *core.Error
	if !errors.As(err, &e) {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			e = core.Errorf(core.CodeUnavailable, "provider call timed out: %v", err)
		case errors.Is(err, context.Canceled):
			e = core.Errorf(core.CodeUnavailable, "provider call was canceled: %v", err)
		default:
			e = core.AsError(err)
		}
	}
	st := status.New(grpcCode(e.Code), e.Message)
	if withDetail, derr := st.WithDetails(errorToPB(e)); derr == nil {
		st = withDetail
	}
	return st.Err()
}

// grpcCode picks the closest gRPC code for a core code.
func grpcCode(c core.ErrorCode) codes.Code {
	switch c {
	case core.CodeInvalid:
		return codes.InvalidArgument
	case core.CodeUnauthorized:
		return codes.Unauthenticated
	case core.CodeForbidden:
		return codes.PermissionDenied
	case core.CodeNotFound:
		return codes.NotFound
	case core.CodeConflict:
		return codes.FailedPrecondition
	case core.CodeRateLimited:
		return codes.ResourceExhausted
	case core.CodeProviderError:
		// The accounting system's own failure: an error from another
		// address space, which is what Unknown is for.
		return codes.Unknown
	case core.CodeUnavailable:
		return codes.Unavailable
	case core.CodeUnsupported:
		return codes.Unimplemented
	default:
		return codes.Internal
	}
}

// errorToPB converts any error to its wire form; foreign errors become
// internal errors carrying their text.
func errorToPB(err error) *pb.Error {
	e := core.AsError(err)
	if e == nil {
		return nil
	}
	return &pb.Error{
		Code:         string(e.Code),
		Message:      e.Message,
		Fields:       sliceToPB(e.Fields, fieldErrorToPB),
		RetryAfterMs: durationToMillis(e.RetryAfter),
		Syntax:       e.Syntax,
	}
}

// durationToMillis rounds up, so a positive RetryAfter never becomes zero.
func durationToMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func fieldErrorToPB(f core.FieldError) *pb.FieldError {
	return &pb.FieldError{Field: f.Field, Message: f.Message}
}

// errorFromPB converts a wire error back. A nil message yields nil.
func errorFromPB(p *pb.Error) *core.Error {
	if p == nil {
		return nil
	}
	e := &core.Error{
		Code:       core.ErrorCode(p.GetCode()),
		Message:    p.GetMessage(),
		RetryAfter: time.Duration(p.GetRetryAfterMs()) * time.Millisecond,
		Syntax:     p.GetSyntax(),
	}
	e.Fields = sliceFromPB(p.GetFields(), false, func(_ int, f *pb.FieldError) core.FieldError {
		return core.FieldError{Field: f.GetField(), Message: f.GetMessage()}
	})
	return e
}
