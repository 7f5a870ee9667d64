package emulator

import (
	"bytes"
	"encoding/json"
)

// jsonField is one member of an orderedObject.
type jsonField struct {
	name  string
	value any
}

// orderedObject is a JSON object that keeps its members in the order Graph
// writes them ("@odata.context" first, "value" last), which json.Marshal of
// a map would not.
type orderedObject []jsonField

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		name, err := json.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		buf.Write(name)
		buf.WriteByte(':')
		value, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		buf.Write(value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (o orderedObject) with(name string, value any) orderedObject {
	return append(o, jsonField{name, value})
}
