// Render a page (declared with Component()) in miniprogram-simulate and read what an agent sees.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.join(__dirname, '..', '..')

// A page's JS registers its Component() once per test file (require caches it): load each page once.
const loaded = new Map()

function render (page) {
  if (!loaded.has(page)) loaded.set(page, simulate.load(path.join(ROOT, page, 'index'), { rootPath: ROOT }))
  const comp = simulate.render(loaded.get(page))
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

function text (comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ').trim()
}

// Handlers are async and j-component dispatches events asynchronously: wait until the page has settled.
function settle (ms = 30) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function find (comp, selector) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error(`nothing matches ${selector}: ${text(comp)}`)
  return node
}

async function tap (comp, selector) {
  find(comp, selector).dispatchEvent('tap')
  await settle()
}

async function input (comp, selector, value) {
  find(comp, selector).dispatchEvent('input', { detail: { value } })
  await settle()
}

const ERROR = (status, code, message, fields = {}) => [status, { error: { code, message, fields } }]

module.exports = { render, text, tap, input, settle, ERROR, ROOT }
