import hmac, hashlib, base64, struct, sys
key = bytes(range(1, 33))
def verp(mid, mailbox="bounces@bounce.shop.example"):
    local, domain = mailbox.split("@")
    mac = hmac.new(key, b"CampaignStudio.Bounces.ReturnAddress.v1:" + struct.pack(">q", mid), hashlib.sha256).digest()[:10]
    tag = base64.b32encode(mac).decode().lower().rstrip("=")
    return f"{local}+{mid}-{tag}@{domain}"
if __name__ == "__main__":
    print(verp(int(sys.argv[1])))
