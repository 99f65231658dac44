// Compat driver for the Java Admin's delegation token calls (KIP-48):
//   java -cp '<classes>:<libs>/*' DelegationTokenAdmin BOOTSTRAP CLIENT_PROPERTIES OP [ARGS]
// OP is one of
//   create RENEWER MAX_LIFETIME_MS   createDelegationToken with one renewer (e.g. User:bob)
//   describe                         describeDelegationToken for the caller
//   renew HMAC_BASE64 PERIOD_MS      renewDelegationToken
//   expire HMAC_BASE64 PERIOD_MS     expireDelegationToken
// Prints one JSON line: the token(s) or the new expiry, or {"error":<exception class>,"message":...}
// (exit 2) when the call failed.
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateDelegationTokenOptions;
import org.apache.kafka.clients.admin.ExpireDelegationTokenOptions;
import org.apache.kafka.clients.admin.RenewDelegationTokenOptions;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.token.delegation.DelegationToken;
import org.apache.kafka.common.security.token.delegation.TokenInformation;

public class DelegationTokenAdmin {
    private static String json(DelegationToken t) {
        TokenInformation i = t.tokenInfo();
        List<String> renewers = new ArrayList<>();
        for (KafkaPrincipal p : i.renewers()) renewers.add('"' + p.toString() + '"');
        return "{\"tokenId\":\"" + i.tokenId() + "\",\"hmac\":\"" + t.hmacAsBase64String() + "\",\"owner\":\"" + i.owner()
            + "\",\"requester\":\"" + i.tokenRequester() + "\",\"renewers\":[" + String.join(",", renewers) + "],\"issue\":" + i.issueTimestamp()
            + ",\"expiry\":" + i.expiryTimestamp() + ",\"max\":" + i.maxTimestamp() + "}";
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[1])) {
            props.load(in);
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        String op = args[2];
        try (Admin admin = Admin.create(props)) {
            switch (op) {
                case "create": {
                    CreateDelegationTokenOptions o = new CreateDelegationTokenOptions()
                        .renewers(List.of(new KafkaPrincipal(args[3].substring(0, args[3].indexOf(':')), args[3].substring(args[3].indexOf(':') + 1))))
                        .maxlifeTimeMs(Long.parseLong(args[4]));
                    System.out.println(json(admin.createDelegationToken(o).delegationToken().get()));
                    break;
                }
                case "describe": {
                    List<String> out = new ArrayList<>();
                    for (DelegationToken t : admin.describeDelegationToken().delegationTokens().get()) out.add(json(t));
                    System.out.println("{\"tokens\":[" + String.join(",", out) + "]}");
                    break;
                }
                case "renew": {
                    long expiry = admin.renewDelegationToken(Base64.getDecoder().decode(args[3]),
                        new RenewDelegationTokenOptions().renewTimePeriodMs(Long.parseLong(args[4]))).expiryTimestamp().get();
                    System.out.println("{\"expiry\":" + expiry + "}");
                    break;
                }
                case "expire": {
                    long expiry = admin.expireDelegationToken(Base64.getDecoder().decode(args[3]),
                        new ExpireDelegationTokenOptions().expiryTimePeriodMs(Long.parseLong(args[4]))).expiryTimestamp().get();
                    System.out.println("{\"expiry\":" + expiry + "}");
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown operation " + op);
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String message = String.valueOf(cause.getMessage()).replace("\\", "\\\\").replace("\"", "\\\"");
            System.out.println("{\"error\":\"" + cause.getClass().getSimpleName() + "\",\"message\":\"" + message + "\"}");
            System.exit(2);
        }
    }
}
