package cpigitops.standins;

import java.util.HashMap;
import java.util.Map;

/**
 * Not SAP's: where a test puts the script API services ({@code SecureStoreService},
 * {@code KeystoreService}) that the stand-in {@code ITApiFactory} hands to a script.
 */
public final class Services {

    private static final Map<Class<?>, Object> SERVICES = new HashMap<Class<?>, Object>();

    private Services() {
    }

    public static synchronized void put(Class<?> type, Object implementation) {
        SERVICES.put(type, implementation);
    }

    public static synchronized void clear() {
        SERVICES.clear();
    }

    public static synchronized Object lookup(Class<?> type) {
        return SERVICES.get(type);
    }
}
