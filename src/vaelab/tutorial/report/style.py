"""The page's stylesheet, inlined into index.html: readable from a 390 px phone to a 1280 px screen. Wide tables
and code scroll inside their own boxes, and on a phone a wide equation shrinks to the column, so the page
itself never scrolls sideways."""

CSS = """
*{box-sizing:border-box}
body{font:16px/1.6 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:960px;margin:0 auto;padding:24px 28px 80px;background:#fff;overflow-wrap:break-word}
h1{font-size:2rem;line-height:1.25;margin-bottom:.2em}
h2{margin-top:2.2em;border-bottom:2px solid #e4e8ef;padding-bottom:.2em}
h3{margin-top:1.8em} code{background:#f1f3f7;padding:0 .25em;border-radius:3px;font-size:.92em;overflow-wrap:anywhere}
.meta{color:#5a6475;font-size:.9rem}
nav ol{columns:2;font-size:.95rem;padding-left:1.4em} nav ol ol{columns:1;font-size:.88rem;padding-left:1.1em;margin:0}
nav li{break-inside:avoid}
.eq{text-align:center;overflow-x:auto;overflow-y:hidden} .eq img{max-width:none}
figure{margin:1.2em 0;text-align:center} figure img{max-width:100%;height:auto;border:1px solid #e4e8ef}
figure.data img{image-rendering:pixelated}
figcaption{font-size:.88rem;color:#4a5568;margin-top:.3em}
.scroll{overflow-x:auto;margin:1em 0}
table{border-collapse:collapse;font-size:.9rem;width:100%}
th,td{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f1f3f7}
caption{text-align:left;font-weight:600;padding:.2em 0} table.claims{min-width:680px}
figure.wide{overflow-x:auto} figure.wide img{min-width:720px}
pre{overflow-x:auto;background:#f6f8fa;border:1px solid #e4e8ef;border-radius:4px;padding:10px 12px;
font-size:.8rem;line-height:1.45;text-align:left;margin:0}
pre code{background:none;padding:0;font-size:1em;overflow-wrap:normal}
figure.code{text-align:left}
.verdict{display:inline-block;padding:0 .5em;border-radius:9px;font-size:.8rem;font-weight:600;white-space:nowrap}
.yes{background:#d9f2e1;color:#17603a}.no{background:#fbe0e0;color:#8a1c1c}.maybe{background:#fff1cc;color:#7a5a00}
.none{background:#e2e5f6;color:#2f3a86}
.info{background:#e3ecfa;color:#22467a} .missing{color:#8a1c1c}
.saw{background:#f6f9f1;border-left:4px solid #009E73;padding:.6em .9em;margin:1.2em 0}
.try{background:#eef5fb;border-left:4px solid #0072B2;padding:.6em .9em;margin:1.2em 0}
.try p{margin:.2em 0}
details.measured{border:1px solid #dde2ea;border-radius:6px;padding:.4em .9em;margin:1em 0;background:#fafbfc}
details.measured summary{cursor:pointer;font-weight:600}
details.measured ul{padding-left:1.2em}
details.glossary{margin:.3em 0 1em;font-size:.92em}
details.glossary summary{cursor:pointer;color:#445}
details.glossary dt{font-family:monospace;margin-top:.3em}
details.glossary dd{margin-left:1.2em}
details.try summary{cursor:pointer}
@media (max-width:640px){
main{padding:16px 14px 60px} h1{font-size:1.55rem} nav ol{columns:1}
.eq img{max-width:100%;height:auto}
}
"""
