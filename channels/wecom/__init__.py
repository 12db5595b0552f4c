"""WeCom (企业微信): members through the self-built app, WeChat clients through Customer Service,
and the consultants' group robot. Modules:

    crypto.py    callback signature and AES (企业微信回调加解密)
    xmlmsg.py    hardened XML parsing
    callback.py  the callback endpoint and the per-chat background queue
    api.py       httpx client, access-token cache, error → SendResult, send limits (bot/ratelimit.py)
    members.py   the self-built app: callbacks in, message/send out (text, markdown, file, cards); its Sender
    kf.py        WeChat Customer Service: sync_msg with a cursor, send_msg within the window
    robot.py     the group robot webhook
    sender.py    the Customer Service Sender: what the window refuses goes where the stand-in says
                 (bot/undeliverable.py; wired by the composition root), relayed to that consultant
    inbox.py     acknowledged messages kept until handled (exactly once), recovered after a crash
    store.py, models.py, buttons.py, dedupe.py, render.py   storage and shaping helpers
    factory.py   channels built from settings (CHANNEL_FACTORIES)
"""
