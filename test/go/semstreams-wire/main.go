// Command semstreams-wire decodes messages the way a semstreams agent loop and agentic-model
// decode them: Go's encoding/json into structs declared with the json tags of semstreams'
// agentic/types.go, agentic/tools.go, agentic/reasoning.go and message/base_message.go (the
// commits are listed in test/fixtures/semstreams/SOURCES.md). modelbus's tests feed it what
// modelbus writes and what a loop writes, so "Go can read it" is checked by Go itself.
//
// Input on stdin: a JSON array of {"as": "AgentRequest" | "AgentResponse" | "Envelope", "text": "..."}.
// Output on stdout: a JSON array, one result per input, in order.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type ToolChoice struct {
	Mode         string `json:"mode"`
	FunctionName string `json:"function_name,omitempty"`
}

type ResponseFormat struct {
	Type   string         `json:"type"`
	Schema map[string]any `json:"schema,omitempty"`
	Name   string         `json:"name,omitempty"`
	Strict bool           `json:"strict"`
}

type ToolDefinition struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
	Strict      bool           `json:"strict,omitempty"`
	Paginated   bool           `json:"paginated,omitempty"`
	Effect      string         `json:"effect,omitempty"`
}

type ToolCall struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Arguments   map[string]any `json:"arguments,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	LoopID      string         `json:"loop_id,omitempty"`
	TraceID     string         `json:"trace_id,omitempty"`
	RequestID   string         `json:"request_id,omitempty"`
	ExecutionID string         `json:"execution_id,omitempty"`
	CallOrdinal uint32         `json:"call_ordinal,omitempty"`
	ApprovedBy  string         `json:"approved_by,omitempty"`
}

type ReasoningRecord struct {
	Provider    string `json:"provider"`
	ItemID      string `json:"item_id,omitempty"`
	SummaryText string `json:"summary_text,omitempty"`
	Opaque      []byte `json:"opaque,omitempty"`
	CarrierKind string `json:"carrier_kind"`
	ToolCallID  string `json:"tool_call_id,omitempty"`
}

type ChatMessage struct {
	Role             string            `json:"role"`
	Content          string            `json:"content,omitempty"`
	Name             string            `json:"name,omitempty"`
	ReasoningContent string            `json:"reasoning_content,omitempty"`
	ToolCalls        []ToolCall        `json:"tool_calls,omitempty"`
	ToolCallID       string            `json:"tool_call_id,omitempty"`
	IsError          bool              `json:"is_error,omitempty"`
	ReasoningRecords []ReasoningRecord `json:"reasoning_records,omitempty"`
}

// UnmarshalJSON reads "reasoning" (Ollama) as reasoning_content when that is empty.
func (m *ChatMessage) UnmarshalJSON(data []byte) error {
	type plain ChatMessage
	aux := &struct {
		*plain
		Reasoning string `json:"reasoning,omitempty"`
	}{plain: (*plain)(m)}
	if err := json.Unmarshal(data, aux); err != nil {
		return err
	}
	if m.ReasoningContent == "" && aux.Reasoning != "" {
		m.ReasoningContent = aux.Reasoning
	}
	return nil
}

type TokenUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

type AgentRequest struct {
	RequestID      string           `json:"request_id"`
	LoopID         string           `json:"loop_id"`
	Role           string           `json:"role"`
	Messages       []ChatMessage    `json:"messages"`
	Model          string           `json:"model"`
	MaxTokens      int              `json:"max_tokens,omitempty"`
	Temperature    float64          `json:"temperature,omitempty"`
	Tools          []ToolDefinition `json:"tools,omitempty"`
	ToolChoice     *ToolChoice      `json:"tool_choice,omitempty"`
	ResponseFormat *ResponseFormat  `json:"response_format,omitempty"`
	Timeout        string           `json:"timeout,omitempty"`
}

type AgentResponse struct {
	RequestID    string      `json:"request_id"`
	Status       string      `json:"status"`
	FinishReason string      `json:"finish_reason,omitempty"`
	Message      ChatMessage `json:"message,omitempty"`
	Error        string      `json:"error,omitempty"`
	TokenUsage   TokenUsage  `json:"token_usage,omitempty"`
	RetryCount   int         `json:"retry_count,omitempty"`
}

type Type struct {
	Domain   string `json:"domain"`
	Category string `json:"category"`
	Version  string `json:"version"`
}

type wireFormat struct {
	ID      string          `json:"id"`
	Type    Type            `json:"type"`
	Payload json.RawMessage `json:"payload"`
	Meta    map[string]any  `json:"meta"`
}

type input struct {
	As   string `json:"as"`
	Text string `json:"text"`
}

type result struct {
	Error string `json:"error,omitempty"`
	// Type is the envelope's registry key (domain.category.version) for Envelope inputs.
	Type string `json:"type,omitempty"`
	// Value is the decoded struct as Go encodes it again.
	Value any `json:"value,omitempty"`
	// OpaqueTexts are the bytes of every reasoning record's opaque, as text, in message order.
	OpaqueTexts []string `json:"opaque_texts,omitempty"`
	// Problems are what semstreams' Validate() would say of the decoded payload.
	Problems []string `json:"problems,omitempty"`
	// MetaTimesAreIntegers: both meta times are JSON integers (Envelope inputs).
	MetaTimesAreIntegers bool `json:"meta_times_are_integers,omitempty"`
}

func opaqueTexts(messages ...ChatMessage) []string {
	var texts []string
	for _, message := range messages {
		for _, record := range message.ReasoningRecords {
			texts = append(texts, string(record.Opaque))
		}
	}
	return texts
}

func validateRequest(r *AgentRequest) []string {
	var problems []string
	if r.RequestID == "" {
		problems = append(problems, "request_id required")
	}
	if len(r.Messages) == 0 {
		problems = append(problems, "messages cannot be empty")
	}
	if r.ToolChoice != nil {
		switch r.ToolChoice.Mode {
		case "auto", "required", "none":
		case "function":
			if r.ToolChoice.FunctionName == "" {
				problems = append(problems, "function_name required when tool_choice mode is \"function\"")
			}
		default:
			problems = append(problems, fmt.Sprintf("invalid tool_choice mode: %q", r.ToolChoice.Mode))
		}
	}
	if f := r.ResponseFormat; f != nil {
		switch f.Type {
		case "json_object":
		case "json_schema":
			if f.Name == "" || len(f.Schema) == 0 {
				problems = append(problems, "json_schema needs name and schema")
			}
		default:
			problems = append(problems, fmt.Sprintf("invalid response_format type: %q", f.Type))
		}
	}
	return problems
}

func validateResponse(r *AgentResponse) []string {
	switch r.Status {
	case "complete", "tool_call", "error", "length_truncated":
		return nil
	}
	return []string{"status must be one of: complete, tool_call, error, length_truncated"}
}

func isInteger(value any) bool {
	number, ok := value.(float64)
	return ok && number == float64(int64(number))
}

func decode(in input) result {
	switch in.As {
	case "AgentRequest":
		var r AgentRequest
		if err := json.Unmarshal([]byte(in.Text), &r); err != nil {
			return result{Error: err.Error()}
		}
		return result{Value: r, OpaqueTexts: opaqueTexts(r.Messages...), Problems: validateRequest(&r)}
	case "AgentResponse":
		var r AgentResponse
		if err := json.Unmarshal([]byte(in.Text), &r); err != nil {
			return result{Error: err.Error()}
		}
		return result{Value: r, OpaqueTexts: opaqueTexts(r.Message), Problems: validateResponse(&r)}
	case "Envelope":
		var w wireFormat
		if err := json.Unmarshal([]byte(in.Text), &w); err != nil {
			return result{Error: "failed to unmarshal wire format: " + err.Error()}
		}
		key := strings.Join([]string{w.Type.Domain, w.Type.Category, w.Type.Version}, ".")
		integers := isInteger(w.Meta["created_at"]) && isInteger(w.Meta["received_at"])
		var payload result
		switch key {
		case "agentic.request.v1":
			payload = decode(input{As: "AgentRequest", Text: string(w.Payload)})
		case "agentic.response.v1":
			payload = decode(input{As: "AgentResponse", Text: string(w.Payload)})
		default:
			return result{Error: "unregistered payload type: " + key, Type: key}
		}
		if w.Payload == nil {
			payload = result{Error: "unexpected end of JSON input"}
		}
		payload.Type = key
		payload.MetaTimesAreIntegers = integers
		return payload
	}
	return result{Error: "unknown input kind " + in.As}
}

func main() {
	var inputs []input
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		fmt.Fprintln(os.Stderr, "semstreams-wire: bad input:", err)
		os.Exit(2)
	}
	results := make([]result, len(inputs))
	for index, in := range inputs {
		results[index] = decode(in)
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "semstreams-wire:", err)
		os.Exit(2)
	}
}
