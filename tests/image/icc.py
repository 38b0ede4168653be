"""A wide-gamut ICC profile built in the test (no profile files needed): Adobe RGB (1998)'s primaries."""

import struct

# Adobe RGB (1998) colorants adapted to D50 (the PCS white), and its 563/256 gamma.
ADOBE_RGB_D50 = ((0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446))
D50 = (0.9642, 1.0, 0.8249)
GAMMA_U8F8 = 563


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz) -> bytes:
    return b"XYZ " + b"\0" * 4 + b"".join(_s15f16(v) for v in xyz)


def _desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + b"\0" * 4
        + b"\0" * 4
        + b"\0" * 3
        + b"\0" * 67
    )


def wide_gamut_profile(name: str = "brushwork test Adobe RGB") -> bytes:
    """An ICC v2 display profile (matrix and gamma curves) with Adobe RGB's primaries."""
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, GAMMA_U8F8) + b"\0\0"
    tags = [
        (b"desc", _desc(name)),
        (b"wtpt", _xyz(D50)),
        (b"rXYZ", _xyz(ADOBE_RGB_D50[0])),
        (b"gXYZ", _xyz(ADOBE_RGB_D50[1])),
        (b"bXYZ", _xyz(ADOBE_RGB_D50[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + b"\0" * (-len(body) % 4)
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + b"".join(_s15f16(v) for v in D50)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
