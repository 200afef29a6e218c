// Money arrives as yuan strings ("3200.00"); arithmetic is done in integer fen, never in floats.
function toFen (yuan) {
  const text = String(yuan == null ? '0' : yuan).trim()
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text)
  if (!match) return NaN
  const fen = Number(match[2]) * 100 + Number((match[3] || '').padEnd(2, '0'))
  return match[1] ? -fen : fen
}

function fromFen (fen) {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

// "3200.00" -> "¥3,200.00"
function display (yuan) {
  const fen = toFen(yuan)
  if (Number.isNaN(fen)) return ''
  const [whole, cents] = fromFen(Math.abs(fen)).split('.')
  return `${fen < 0 ? '-' : ''}¥${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`
}

function times (yuan, quantity) {
  return fromFen(toFen(yuan) * quantity)
}

function sum (yuans) {
  return fromFen(yuans.reduce((total, yuan) => total + toFen(yuan), 0))
}

// The brand's retail range (控价) for my level: "¥179.10–¥199.00", or '' when the brand set none.
function range (min, max) {
  return min == null || max == null ? '' : `${display(min)}–${display(max)}`
}

function outside (yuan, min, max) {
  return min != null && max != null && (toFen(yuan) < toFen(min) || toFen(yuan) > toFen(max))
}

module.exports = { toFen, fromFen, display, times, sum, range, outside }
