using System.Net;
using System.Net.Sockets;

namespace CampaignStudio.TestSupport;

/// <summary>A loopback TCP port nothing listens on right now, for a server a test starts (or for an address that must refuse).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
