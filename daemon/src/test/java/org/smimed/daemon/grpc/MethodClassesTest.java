package org.smimed.daemon.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smimed.api.v1.DecryptionServiceGrpc;
import org.smimed.api.v1.DirectoryServiceGrpc;
import org.smimed.api.v1.KeyAdminServiceGrpc;
import org.smimed.api.v1.SigningServiceGrpc;
import org.smimed.daemon.audit.AuditEvent;

/**
 * Every method of the API is in its class: a method added to the proto must be given its audit
 * event, and an officer method must be read-only, change the token, or be the one that does
 * neither (CreateCsr), or its calls would be audited and guarded as something else.
 */
class MethodClassesTest {
    @Test
    void everyServiceMethod_hasItsOwnAuditEvent() {
        for (ServiceDescriptor service : List.of(SigningServiceGrpc.getServiceDescriptor(),
                DecryptionServiceGrpc.getServiceDescriptor(),
                DirectoryServiceGrpc.getServiceDescriptor())) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                assertThat(AuditEvents.forMethod(method.getFullMethodName()))
                        .as(method.getFullMethodName()).isNotIn(AuditEvent.OTHER,
                                AuditEvent.KEY_ADMIN);
            }
        }
        assertThat(AuditEvents.forMethod("smimed.v1.SigningService/Unknown"))
                .isEqualTo(AuditEvent.OTHER);
    }

    @Test
    void everyOfficerMethod_readsOrChangesTheToken_orIsCreateCsr() {
        for (MethodDescriptor<?, ?> method
                : KeyAdminServiceGrpc.getServiceDescriptor().getMethods()) {
            String name = method.getFullMethodName();
            assertThat(AuditEvents.forMethod(name)).as(name).isEqualTo(AuditEvent.KEY_ADMIN);
            assertThat(OfficerServices.readOnly(name) ^ OfficerServices.changesKeys(name)
                    || method.equals(KeyAdminServiceGrpc.getCreateCsrMethod())).as(name).isTrue();
        }
        assertThat(OfficerServices.changesKeys(KeyAdminServiceGrpc.getCreateCsrMethod()
                .getFullMethodName())).isFalse();
    }
}
