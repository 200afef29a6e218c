// Loading, error (with the server's message and a retry) and empty states; renders nothing once ready.
Component({
  properties: {
    state: { type: String, value: 'loading' },
    error: { type: String, value: '' },
    emptyText: { type: String, value: '暂无内容' }
  },
  methods: {
    onRetry () { this.triggerEvent('retry') }
  }
})
