package com.sap.it.api;

import com.sap.it.api.exception.InvalidContextException;
import cpigitops.standins.Services;

/**
 * Stand-in of SAP's factory of script API services. The signatures are SAP's; the services come
 * from {@link Services}, where a test puts its fixtures.
 */
public final class ITApiFactory {

    private ITApiFactory() {
    }

    /** Returns the implementation of {@code apiType}; {@code context} may be null. */
    @SuppressWarnings("unchecked")
    public static <T extends ITApi> T getService(Class<? extends ITApi> apiType, Object context)
            throws InvalidContextException {
        Object service = Services.lookup(apiType);
        if (service == null) {
            throw new InvalidContextException("no handler for " + apiType.getName());
        }
        return (T) service;
    }

    /** SAP deprecated this name in favour of {@link #getService}; kept because SAP still has it. */
    @Deprecated
    public static <T extends ITApi> T getApi(Class<? extends ITApi> apiType, Object context)
            throws InvalidContextException {
        return getService(apiType, context);
    }
}
