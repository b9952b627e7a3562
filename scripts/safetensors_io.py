"""Reads and writes the safetensors format by hand for the fixture scripts.

Debian's python3-torch (1.13) has no `safetensors` module, and the format is small: an
8-byte little-endian header length, a JSON header (`dtype`, `shape`, `data_offsets`,
optional `__metadata__` of strings), then the raw little-endian bytes.
"""

import json
import os
import struct

import numpy as np
import torch


ST_DTYPES = {
    'F64': np.float64, 'F32': np.float32, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32,
    'I16': np.int16, 'I8': np.int8, 'U8': np.uint8, 'BOOL': np.bool_,
}
TORCH_TO_ST = {torch.float32: 'F32', torch.float64: 'F64', torch.int32: 'I32', torch.int64: 'I64', torch.bool: 'BOOL'}


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, torch tensor). Little-endian, header padded with spaces to 8."""
    header = {}
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors:
        arr = t.detach().cpu().contiguous().numpy()
        raw = arr.astype(arr.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': TORCH_TO_ST[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """Returns (dict name -> torch tensor in file order, metadata dict or None); strict checks."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError('file too short')
    (n,) = struct.unpack('<Q', data[:8])
    if n > len(data) - 8:
        raise ValueError('header length beyond the file')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    body = data[8 + n:]
    meta = header.pop('__metadata__', None)
    if meta is not None:
        assert all(isinstance(v, str) for v in meta.values()), 'metadata values must be strings'
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]['data_offsets']))
    pos = 0
    out = {}
    for name, info in entries:
        b, e = info['data_offsets']
        if b != pos:
            raise ValueError(f'{name}: offsets not contiguous ({b} != {pos})')
        dt = np.dtype(ST_DTYPES[info['dtype']]).newbyteorder('<')
        shape = info['shape']
        if (e - b) != int(np.prod(shape, dtype=np.int64)) * dt.itemsize:
            raise ValueError(f'{name}: byte length does not match dtype and shape')
        arr = np.frombuffer(body[b:e], dtype=dt).reshape(shape)
        out[name] = torch.from_numpy(arr.astype(dt.newbyteorder('='), copy=True))
        pos = e
    if pos != len(body):
        raise ValueError('trailing bytes after the last tensor')
    return out, meta
