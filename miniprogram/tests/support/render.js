// Render a page (declared with Component()) in miniprogram-simulate and read what an agent sees.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.join(__dirname, '..', '..')

// A page's and a component's JS call Component() when first required; require caches them, so each render
// starts from a fresh module registry (the page and the test then share the same utils modules).
function render (page) {
  jest.resetModules()
  const comp = simulate.render(simulate.load(path.join(ROOT, page, 'index'), { rootPath: ROOT }))
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

// A selector matches in the page, or inside its state-view (the retry button).
// Wait until what a tap started has shown (requests go through timers); fail after a generous deadline.
async function until (condition, what) {
  for (let waited = 0; waited < 10000; waited += 10) {
    if (condition()) return
    await settle(10)
  }
  throw new Error(`still waiting for ${what}`)
}

function find (comp, selector) {
  const stateView = comp.querySelector('.states')
  const node = comp.querySelector(selector) || (stateView && stateView.querySelector(selector))
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

module.exports = { render, text, tap, input, settle, until, ERROR, ROOT }
