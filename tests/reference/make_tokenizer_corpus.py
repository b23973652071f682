#!/usr/bin/env python3
"""Writes tests/data/tokenizer/corpus.txt: the tokenizer parity corpus.

Deterministic (fixed seed, no external input): running it again gives the same bytes.
One test case per line ('\n'-separated; lines never contain '\n' but may contain '\r',
U+0085, U+2028 and other characters that some splitters treat as line breaks).

Usage: tests/reference/make_tokenizer_corpus.py [OUT]
"""
import random
import sys
from pathlib import Path

SEED = 20260829

WORDS = """the a of and to in is was for on that with as by at from it this be are have has
not but or an they we you he she which their there been more when will would can could about
model token layer head cache budget memory attention surface logic ignoring profile compile
runtime kernel matrix vector gradient inference latency throughput window sliding rotary
quickly slowly carefully however therefore meanwhile although because unless whereas
Paris London Tokyo Nairobi Lima Oslo Reykjavik Ulaanbaatar Montevideo Wellington
apple banana cherry durian elderberry fig grape honeydew kiwi lemon mango nectarine""".split()

CONTRACTIONS = ["don't", "it's", "we'll", "they're", "I've", "she'd", "I'm", "DON'T", "IT'S",
                "We'LL", "o'clock", "rock'n'roll", "'tis", "y'all", "can't", "won't", "shan't"]

CODE = [
    "def main(argv: list[str]) -> int:",
    "    return 0",
    "\tif (x != nullptr && x->next) { x = x->next; }",
    "for (int i = 0; i < n; ++i) sum += a[i] * b[i];",
    "#include <vector>",
    "std::vector<std::string> parts{\"a\", \"b\"};",
    "x = {'key': [1, 2, 3], \"other\": None}",
    "SELECT id, name FROM users WHERE age >= 21 ORDER BY name DESC;",
    "const f = (a, b) => a ?? b;",
    "if __name__ == \"__main__\":",
    "        self.assertEqual(result, expected)  # noqa: E501",
    "fn main() { println!(\"{}\", 42); }",
    "<div class=\"row\"><span>text</span></div>",
    "$ ls -la /usr/local/bin | grep -v '^d' > out.txt 2>&1",
    "    }",
    "\t\t\treturn;",
    "a+=1;b-=2;c*=3;d/=4;e%=5;f<<=6;g>>=7;h&=8;i|=9;j^=10;",
    "/* comment */ // another comment",
    "@decorator(arg=1)",
    "lambda x: x**2 + 2*x + 1",
    "printf(\"%d %s %5.2f\\n\", n, s, v);",
    "{\"json\": true, \"nested\": {\"list\": [1.5e-3, -2, null]}}",
    "    # TODO(someone): handle the empty case",
    "git commit -m \"Fix off-by-one in the merge loop\"",
    "https://example.com/path/to/page?query=1&other=two#anchor",
    "user@example.org, first.last+tag@sub.domain.co.uk",
]

SCRIPTS = [
    "Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.",
    "Γειά σου Κόσμε! Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "مرحبا بالعالم! كيف حالك اليوم؟",
    "नमस्ते दुनिया! आप कैसे हैं?",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "你好，世界！今天天气很好。",
    "日本語のテキストです。カタカナとひらがなと漢字。",
    "안녕하세요 세계! 한국어 문장입니다.",
    "Ça va? Déjà vu, naïve café, crème brûlée, façade, Œuvre.",
    "Größe, Übermaß, Straße, Ärger, Öl — schön!",
    "Tiếng Việt có nhiều dấu: ắ ằ ẳ ẵ ặ ố ồ ổ ỗ ộ.",
    "Español: ¿Qué tal? ¡Muy bien! Año, niño, señor.",
    "Português: ação, coração, pão, não.",
    "Polski: zażółć gęślą jaźń.",
    "Türkçe: İstanbul, ığdır, şişe, çocuk, ğ.",
    "עברית: שלום עולם",
    "ქართული ენა",
    "Հայերեն լեզու",
    "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕞𝕒𝕥𝕙 𝒮𝒸𝓇𝒾𝓅𝓉 ∑∫∂√∞≈≠≤≥",
    "Ⅻ ⅷ ½ ¾ ² ³ ١٢٣ ४५६ ๗๘๙ 〇一二三",
    "e\u0301 (combining acute) vs é (precomposed); n\u0303 vs ñ",
]

EMOJI = [
    "😀", "😂", "👍🏽", "❤️", "🇯🇵", "🇺🇸", "👨\u200d👩\u200d👧\u200d👦", "🧑🏿\u200d💻",
    "🏳️\u200d🌈", "👩\u200d❤️\u200d💋\u200d👨", "🤷\u200d♀️", "🙏", "🔥🔥🔥", "✨", "🎉", "⭐",
    "1️⃣", "#️⃣", "©", "™",
]

SPECIALS = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<start_of_turn>", "<end_of_turn>", "<bos>",
    "<eos>", "<pad>", "<unk>", "<mask>", "<|im_start", "im_start|>", "<|im_", "<start_of_",
    "_of_turn>", "<bo", "os>", "<<bos>>", "<|<|im_end|>|>", "<table>", "</table>", "<h1>", "<b>",
    "<repo_name>", "<filename>", "<jupyter_code>", "[multimodal]", "<start_of_image>",
    "<unused0>", "<unused99>", "<|eot_id|>", "<s>", "</s>", "<0x41>", "<0x0A>",
]

ODD_SPACES = ["\u00a0", "\u0085", "\u200b", "\u3000", "\u2028", "\u2029", "\u202f", "\u2009",
              "\u200d", "\ufeff", "\u180e", "\u1680", "\r", "\x0b", "\x0c", "\x1f", "\x7f"]

PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…–—‘’“”«»¿¡§¶•·"


def prose(rng):
    n = rng.randint(3, 25)
    words = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            words.append(rng.choice(CONTRACTIONS))
        elif r < 0.15:
            words.append(rng.choice(WORDS).upper())
        elif r < 0.2:
            words.append(rng.choice(WORDS).capitalize())
        else:
            words.append(rng.choice(WORDS))
        if rng.random() < 0.12:
            words[-1] += rng.choice([",", ".", ";", ":", "!", "?", "...", ")", "\""])
    return " ".join(words)


def digits(rng):
    kind = rng.randrange(7)
    if kind == 0:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 64)))
    if kind == 1:
        return f"{rng.randint(0, 10**9):,}.{rng.randint(0, 99):02d}"
    if kind == 2:
        return f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T" \
               f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    if kind == 3:
        return f"+1 ({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    if kind == 4:
        return " ".join(str(rng.randint(0, 10**rng.randint(1, 12))) for _ in range(rng.randint(2, 8)))
    if kind == 5:
        return f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 12)}f} {rng.uniform(0, 1):e}"
    return f"v{rng.randint(0, 20)}.{rng.randint(0, 99)}.{rng.randint(0, 999)} 0x{rng.randrange(2**32):08x}"


def whitespace(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(rng.choice(["", rng.choice(WORDS), rng.choice(PUNCT) * rng.randint(1, 5)]))
        parts.append(rng.choice([" ", "  ", "   ", "\t", "\t\t", " \t ", "    ", " " * rng.randint(5, 40),
                                 "\t" * rng.randint(3, 12), "\r", " \r ", "\x0b", "\x0c"]))
    return "".join(parts)


def punct(rng):
    return "".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 30)))


def special(rng):
    parts = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.4:
            parts.append(rng.choice(SPECIALS))
        elif r < 0.7:
            parts.append(rng.choice(WORDS))
        else:
            parts.append(rng.choice(["user\n"[:-1], "assistant", "model", "system", " ", "", "\t"]))
    return rng.choice(["", " "]).join(parts)


def odd(rng):
    parts = []
    for _ in range(rng.randint(2, 6)):
        parts.append(rng.choice(WORDS + SCRIPTS[:6]) if rng.random() < 0.5 else str(rng.randint(0, 999)))
        parts.append(rng.choice(ODD_SPACES) * rng.randint(1, 3) + rng.choice(["", " "]))
    return "".join(parts)


def emoji(rng):
    return "".join(rng.choice(EMOJI) + rng.choice(["", " ", "", rng.choice(WORDS)])
                   for _ in range(rng.randint(1, 8)))


def mixed(rng):
    makers = [prose, digits, whitespace, punct, special, odd, emoji]
    parts = [rng.choice(makers)(rng) for _ in range(rng.randint(2, 4))]
    parts.append(rng.choice(SCRIPTS)[: rng.randint(1, 40)])
    parts.append(rng.choice(CODE))
    rng.shuffle(parts)
    return rng.choice(["", " ", "\t", "  "]).join(parts)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else \
        Path(__file__).resolve().parents[1] / "data" / "tokenizer" / "corpus.txt"
    rng = random.Random(SEED)
    lines = ["", " ", "  ", "\t", "a", "Hello world! 123", "  multiple   spaces",
             "Hello, we can use", "trailing spaces   ", " leading space", "\u00a0", "\u200b",
             "\u0085", "<|im_start|>", "<start_of_turn>", "<bos>", "<|im_start|>user", "1",
             "12", "123", "1234", "12345678901234567890", "...", "!!!!!!!!", "😀", "👨\u200d👩\u200d👧"]
    lines += CODE + SCRIPTS + SPECIALS + EMOJI
    lines += [s + t for s in SPECIALS[:10] for t in ["", " ", "x", " x", "\t", "1"]]
    makers = [prose, prose, prose, digits, whitespace, punct, special, odd, emoji, mixed, mixed]
    while len(lines) < 1200:
        lines.append(rng.choice(makers)(rng))
    for i, line in enumerate(lines):
        assert "\n" not in line, i
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8", newline="")
    print(f"wrote {len(lines)} lines to {out}")


if __name__ == "__main__":
    main()
